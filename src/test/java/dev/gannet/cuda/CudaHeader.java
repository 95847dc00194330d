// A small reader of the installed toolkit's cuda.h, as a C compiler on Linux x86-64 sees it: it
// evaluates the #if/#ifdef branches, follows #define to the symbol a call links against, resolves
// typedefs to parameter kinds and collects enumerator values. Independent of the bindings it checks.
package dev.gannet.cuda;

import dev.gannet.bindings.cuda.CType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class CudaHeader {
    /** A prototype: its name as written, the symbol it links to, and each parameter's declaration. */
    record Prototype(String written, String symbol, List<String> params) {}

    private final Map<String, String> objectMacros = new HashMap<>();
    private final Map<String, String[]> functionMacros = new HashMap<>(); // name -> {param, body}
    private final Set<String> defined = new HashSet<>();
    private final Map<String, String> typedefs = new HashMap<>();
    private final Set<String> enums = new HashSet<>();
    private final Set<String> pointerTypes = new HashSet<>();
    private final Map<String, Long> enumerators = new HashMap<>();
    private final Map<String, List<Prototype>> bySymbol = new HashMap<>();

    /** The toolkit's cuda.h: $CUDA_HOME/include, else /usr/local/cuda/include. */
    static Optional<Path> locate() {
        List<Path> candidates = new ArrayList<>();
        String home = System.getenv("CUDA_HOME");
        if (home != null && !home.isBlank()) candidates.add(Path.of(home, "include", "cuda.h"));
        candidates.add(Path.of("/usr/local/cuda/include/cuda.h"));
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }

    static CudaHeader parse(Path file) throws IOException {
        CudaHeader h = new CudaHeader();
        // What gcc on Linux x86-64 predefines that cuda.h tests; nothing else (no per-thread default
        // stream, no __CUDA_API_VERSION_INTERNAL), as in an ordinary program.
        h.defined.addAll(List.of("__GNUC__", "__LP64__", "__x86_64__", "__linux__"));
        String active = h.preprocess(stripComments(Files.readString(file)));
        h.collectDeclarations(active);
        return h;
    }

    private static String stripComments(String s) {
        s = s.replaceAll("(?s)/\\*.*?\\*/", " ");
        s = s.replaceAll("//[^\n]*", "");
        return s.replace("\\\n", " ");
    }

    /** Keeps the text of the branches that are taken; records #defines seen in them. */
    private String preprocess(String text) {
        StringBuilder out = new StringBuilder();
        // Each frame: {this branch active, some branch of this #if already taken, parent active}
        Deque<boolean[]> stack = new ArrayDeque<>();
        boolean active = true;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (!line.startsWith("#")) {
                if (active) out.append(raw).append('\n');
                continue;
            }
            String d = line.substring(1).strip();
            String word = d.split("[\\s(]", 2)[0];
            String rest = d.substring(word.length()).strip();
            switch (word) {
                case "if", "ifdef", "ifndef" -> {
                    boolean cond = switch (word) {
                        case "ifdef" -> isDefined(rest);
                        case "ifndef" -> !isDefined(rest);
                        default -> evaluate(rest) != 0;
                    };
                    boolean now = active && cond;
                    stack.push(new boolean[] {now, now, active});
                    active = now;
                }
                case "elif" -> {
                    boolean[] f = stack.peek();
                    boolean now = f[2] && !f[1] && evaluate(rest) != 0;
                    f[0] = now;
                    f[1] |= now;
                    active = now;
                }
                case "else" -> {
                    boolean[] f = stack.peek();
                    boolean now = f[2] && !f[1];
                    f[0] = now;
                    f[1] = true;
                    active = now;
                }
                case "endif" -> active = stack.pop()[2];
                case "define" -> {
                    if (active) define(rest);
                }
                case "undef" -> {
                    if (active) {
                        objectMacros.remove(rest);
                        functionMacros.remove(rest);
                        defined.remove(rest);
                    }
                }
                default -> { } // #include, #pragma, #error in untaken branches
            }
        }
        return out.toString();
    }

    private boolean isDefined(String name) {
        return defined.contains(name.strip());
    }

    private void define(String rest) {
        Matcher fn = Pattern.compile("(\\w+)\\((\\w*)\\)\\s*(.*)").matcher(rest);
        if (fn.matches()) {
            functionMacros.put(fn.group(1), new String[] {fn.group(2), fn.group(3).strip()});
            defined.add(fn.group(1));
            return;
        }
        String[] p = rest.split("\\s+", 2);
        defined.add(p[0]);
        objectMacros.put(p[0], p.length > 1 ? p[1].strip() : "");
    }

    // ---- #if expressions: defined(X), !, &&, ||, parentheses, integer comparisons ----------------

    private String expr;
    private int pos;

    private long evaluate(String e) {
        expr = e;
        pos = 0;
        return or();
    }

    private long or() {
        long v = and();
        while (eat("||")) v = (and() != 0 || v != 0) ? 1 : 0;
        return v;
    }

    private long and() {
        long v = comparison();
        while (eat("&&")) v = (comparison() != 0 && v != 0) ? 1 : 0;
        return v;
    }

    private long comparison() {
        long v = unary();
        for (String op : List.of(">=", "<=", "==", "!=", ">", "<")) {
            if (eat(op)) {
                long r = unary();
                return switch (op) {
                    case ">=" -> v >= r ? 1 : 0;
                    case "<=" -> v <= r ? 1 : 0;
                    case "==" -> v == r ? 1 : 0;
                    case "!=" -> v != r ? 1 : 0;
                    case ">" -> v > r ? 1 : 0;
                    default -> v < r ? 1 : 0;
                };
            }
        }
        return v;
    }

    private long unary() {
        skip();
        if (eat("!")) return unary() == 0 ? 1 : 0;
        if (eat("(")) {
            long v = or();
            eat(")");
            return v;
        }
        Matcher m = Pattern.compile("defined\\s*\\(\\s*(\\w+)\\s*\\)|defined\\s+(\\w+)|(\\d+)[uUlL]*|(\\w+)")
                .matcher(expr).region(pos, expr.length());
        if (!m.lookingAt()) throw new IllegalStateException("cannot evaluate #if " + expr);
        pos = m.end();
        if (m.group(1) != null) return isDefined(m.group(1)) ? 1 : 0;
        if (m.group(2) != null) return isDefined(m.group(2)) ? 1 : 0;
        if (m.group(3) != null) return Long.parseLong(m.group(3));
        String value = objectMacros.get(m.group(4)); // an undefined identifier is 0, as in C
        return value != null && value.matches("\\d+") ? Long.parseLong(value) : 0;
    }

    private boolean eat(String token) {
        skip();
        if (expr.startsWith(token, pos)) {
            pos += token.length();
            return true;
        }
        return false;
    }

    private void skip() {
        while (pos < expr.length() && Character.isWhitespace(expr.charAt(pos))) pos++;
    }

    // ---- declarations -------------------------------------------------------------------------

    private void collectDeclarations(String text) {
        Matcher en = Pattern.compile("typedef\\s+enum\\s*\\w*\\s*\\{([^}]*)\\}\\s*(\\w+)\\s*;").matcher(text);
        while (en.find()) {
            enums.add(en.group(2));
            Matcher v = Pattern.compile("(\\w+)\\s*=\\s*(0x[0-9a-fA-F]+|-?\\d+)").matcher(en.group(1));
            while (v.find()) enumerators.put(v.group(1), Long.decode(v.group(2)));
        }
        Matcher ptr = Pattern.compile("typedef\\s+struct\\s+\\w+\\s*\\*\\s*(\\w+)\\s*;").matcher(text);
        while (ptr.find()) pointerTypes.add(ptr.group(1));
        Matcher fp = Pattern.compile("typedef\\s+[\\w\\s]+\\(\\s*\\w*\\s*\\*\\s*(\\w+)\\s*\\)").matcher(text);
        while (fp.find()) pointerTypes.add(fp.group(1));
        Matcher td = Pattern.compile("typedef\\s+([\\w\\s]+?)\\s+(\\w+)\\s*;").matcher(text);
        while (td.find()) {
            if (!td.group(1).matches(".*\\b(struct|enum|union)\\b.*")) typedefs.put(td.group(2), td.group(1).strip());
        }
        Matcher pr = Pattern.compile("CUresult\\s+CUDAAPI\\s+(\\w+)\\s*\\(([^)]*)\\)\\s*;").matcher(text);
        while (pr.find()) {
            String params = pr.group(2).strip();
            List<String> list = new ArrayList<>();
            if (!params.equals("void") && !params.isEmpty()) {
                for (String p : params.split(",")) list.add(p.strip().replaceAll("\\s+", " "));
            }
            String symbol = expand(pr.group(1));
            bySymbol.computeIfAbsent(symbol, k -> new ArrayList<>()).add(new Prototype(pr.group(1), symbol, list));
        }
    }

    /**
     * The identifier {@code name} after macro expansion: what the compiler emits a call to. As in C,
     * a macro is not expanded again inside its own expansion ({@code #define f PTSZ(f)} ends at f).
     */
    String expand(String name) {
        String cur = name;
        Set<String> used = new HashSet<>();
        while (true) {
            String next = cur;
            if (objectMacros.containsKey(cur) && used.add(cur)) {
                next = objectMacros.get(cur);
            } else {
                Matcher call = Pattern.compile("(\\w+)\\s*\\(\\s*(\\w+)\\s*\\)").matcher(cur);
                if (call.matches() && functionMacros.containsKey(call.group(1)) && used.add(call.group(1))) {
                    String[] m = functionMacros.get(call.group(1));
                    next = m[1].replaceAll("\\b" + Pattern.quote(m[0]) + "\\b", call.group(2))
                            .replaceAll("\\s*##\\s*", "");
                }
            }
            if (next.equals(cur)) return cur;
            cur = next.strip();
        }
    }

    List<Prototype> prototypes(String symbol) {
        return bySymbol.getOrDefault(symbol, List.of());
    }

    Optional<Long> enumerator(String name) {
        return Optional.ofNullable(enumerators.get(name));
    }

    /** The kind of one parameter declaration such as {@code const void *srcHost} or {@code CUdevice dev}. */
    CType kindOf(String param) {
        if (param.contains("*") || param.contains("[")) return CType.POINTER;
        List<String> words = new ArrayList<>(List.of(param.replaceAll("\\b(const|volatile)\\b", " ").strip()
                .split("\\s+")));
        if (words.size() > 1) words.remove(words.size() - 1); // the parameter's name
        return kindOfType(String.join(" ", words), 0);
    }

    private CType kindOfType(String type, int depth) {
        if (depth > 16) throw new IllegalStateException("typedef cycle at " + type);
        switch (type) {
            case "int", "signed int", "int32_t" -> { return CType.INT32; }
            case "unsigned int", "unsigned", "uint32_t" -> { return CType.UINT32; }
            case "unsigned char", "uint8_t" -> { return CType.UINT8; }
            case "unsigned long long", "unsigned long long int", "uint64_t" -> { return CType.UINT64; }
            case "size_t" -> { return CType.SIZE_T; }
            case "float" -> { return CType.FLOAT; }
            default -> { }
        }
        if (enums.contains(type)) return CType.ENUM;
        if (pointerTypes.contains(type)) return CType.POINTER;
        String target = typedefs.get(type);
        if (target == null) throw new IllegalStateException("cuda.h: unknown type '" + type + "'");
        if (target.contains("*")) return CType.POINTER;
        return kindOfType(target, depth + 1);
    }
}
