# Sourced by gannet's scripts: exports JAVA_HOME (and puts its bin/ first on PATH) for a JDK 22 or
# newer — $JAVA_HOME when it qualifies, else the newest one found in the usual places — or says in
# one sentence what to install and exits 1. The machine's default java may well be older.

# Prints the feature version (8, 17, 25, ...) of the JDK at $1, or nothing when it is not a JDK.
gannet_jdk_major() {
    local home=$1 v=""
    [[ -x $home/bin/java && -x $home/bin/javac ]] || return 0
    if [[ -f $home/release ]]; then
        v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release" 2>/dev/null | head -n 1)
    fi
    if [[ -z $v ]]; then
        v=$("$home/bin/java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
    fi
    v=${v#1.}          # 1.8.0_402 -> 8.0_402
    v=${v%%[!0-9]*}    # keep the leading number
    [[ -n $v ]] && echo "$v"
    return 0
}

gannet_find_jdk() {
    local min=22 best="" best_major=0 found="" seen=" " home major javac
    local candidates=()
    [[ -n ${JAVA_HOME:-} ]] && candidates+=("$JAVA_HOME")
    candidates+=(/usr/lib/jvm/* /usr/java/* /opt/java/* /opt/*jdk* /usr/local/*jdk*
                 "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* "$HOME"/.local/share/mise/installs/java/*)
    if javac=$(command -v javac 2>/dev/null); then
        candidates+=("$(dirname "$(dirname "$(readlink -f "$javac")")")")
    fi
    for home in "${candidates[@]}"; do
        [[ -d $home ]] || continue
        home=$(readlink -f "$home")
        [[ $seen == *" $home "* ]] && continue
        seen+="$home "
        major=$(gannet_jdk_major "$home")
        [[ -n $major ]] || continue
        # $JAVA_HOME wins whenever it is new enough; otherwise take the newest JDK there is.
        if [[ -n ${JAVA_HOME:-} && $home == "$(readlink -f "$JAVA_HOME")" && $major -ge $min ]]; then
            best=$home best_major=$major
            break
        fi
        if (( major >= min && major > best_major )); then
            best=$home best_major=$major
        elif (( major < min )); then
            found+="${found:+, }JDK $major at $home"
        fi
    done
    if [[ -z $best ]]; then
        echo "gannet needs a JDK 22 or newer (found only ${found:-no JDK at all}): install Temurin 25 (https://adoptium.net) and set JAVA_HOME." >&2
        exit 1
    fi
    if [[ -n ${JAVA_HOME:-} && $(readlink -f "$JAVA_HOME" 2>/dev/null) != "$best" ]]; then
        echo "gannet: JAVA_HOME=$JAVA_HOME is not a JDK 22 or newer; using $best instead." >&2
    fi
    export JAVA_HOME=$best
    export PATH="$JAVA_HOME/bin:$PATH"
}

gannet_find_jdk
