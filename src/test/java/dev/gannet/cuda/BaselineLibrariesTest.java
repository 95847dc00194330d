// cuBLAS and cuDNN are optional: either they load, or the reason names the sonames looked for, which
// is what a benchmark prints when it skips its baseline.
package dev.gannet.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.bindings.cuda.CuBlas;
import dev.gannet.bindings.cuda.CuDnn;
import org.junit.jupiter.api.Test;

class BaselineLibrariesTest {
    @Test
    void cublasLoadsOrSaysWhichLibraryIsMissing() {
        assertThat(CuBlas.load().isPresent()).isNotEqualTo(CuBlas.unavailableReason().isPresent());
        CuBlas.unavailableReason().ifPresent(r -> assertThat(r)
                .isEqualTo("cuBLAS is not installed (looked for libcublas.so.13, libcublas.so.12 on the library path)"));
    }

    @Test
    void cudnnLoadsOrSaysWhichLibraryIsMissing() {
        assertThat(CuDnn.load().isPresent()).isNotEqualTo(CuDnn.unavailableReason().isPresent());
        CuDnn.unavailableReason().ifPresent(r -> assertThat(r)
                .isEqualTo("cuDNN is not installed (looked for libcudnn.so.9, libcudnn.so.8 on the library path)"));
        CuDnn.load().ifPresent(d -> assertThat(d.cudnnGetVersion()).isPositive());
    }
}
