// Finds an optional vendor library (cuBLAS, cuDNN) by its sonames, once, without failing: either the
// library or the sentence a benchmark prints when it skips its baseline.
package dev.gannet.bindings.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

record OptionalLibrary(String soname, SymbolLookup lookup, String missing) {
    /** The first of {@code sonames} the dynamic loader finds, or one naming all of them as missing. */
    static OptionalLibrary find(String what, String... sonames) {
        for (String s : sonames) {
            try {
                return new OptionalLibrary(s, SymbolLookup.libraryLookup(s, Arena.global()), null);
            } catch (IllegalArgumentException e) {
                // try the next soname
            }
        }
        return new OptionalLibrary(null, null, what + " is not installed (looked for " + String.join(", ", List.of(sonames))
                + " on the library path)");
    }

    boolean present() {
        return lookup != null;
    }

    /** {@code m}, or the exception saying this version of the library lacks {@code name}. */
    MethodHandle require(MethodHandle m, String name) {
        if (m == null) throw new dev.gannet.bindings.NativeLibraryException(name + " is not exported by " + soname);
        return m;
    }

    static RuntimeException wrap(Throwable t) {
        return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }

    /** A downcall to {@code name}, or null when this version of the library lacks it. */
    MethodHandle fn(String name, FunctionDescriptor fd) {
        return lookup.find(name).map(s -> Linker.nativeLinker().downcallHandle(s, fd)).orElse(null);
    }
}
