// The declared face of one op: its name (shared by the CUDA kernel, CPU kernel, launcher and
// test), the dtypes it runs in and its variants.
package dev.gannet.runtime;

import java.util.List;

public record OpInfo(String name, List<DType> dtypes, List<String> variants) {}
