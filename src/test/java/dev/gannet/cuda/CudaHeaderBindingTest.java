// Checks every bound CUDA driver function against the installed toolkit's cuda.h (DESIGN §5): the
// symbol gannet looks up is the one the header's macros map the API name to, and each parameter's
// kind (pointer, 32/64-bit integer, size_t, float, enum) matches the prototype; constants too.
package dev.gannet.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.bindings.cuda.CType;
import dev.gannet.bindings.cuda.CudaDriver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CudaHeaderBindingTest {
    private static CudaHeader header;
    private static Path file;

    @BeforeAll
    static void parse() throws Exception {
        var found = CudaHeader.locate();
        Assumptions.assumeTrue(found.isPresent(),
                "no CUDA toolkit: cuda.h is neither in $CUDA_HOME/include nor in /usr/local/cuda/include");
        file = found.get();
        header = CudaHeader.parse(file);
    }

    @Test
    void everyBoundSymbolIsWhatTheHeaderMapsItsApiNameTo() {
        List<String> wrong = new ArrayList<>();
        for (CudaDriver.Binding b : CudaDriver.BINDINGS) {
            String linked = header.expand(b.api());
            if (!linked.equals(b.symbol())) wrong.add(b.api() + " links to " + linked + ", bound as " + b.symbol());
        }
        assertThat(wrong).as("bindings whose symbol differs from %s", file).isEmpty();
    }

    @Test
    void everyParameterKindMatchesThePrototype() {
        List<String> wrong = new ArrayList<>();
        for (CudaDriver.Binding b : CudaDriver.BINDINGS) {
            var protos = header.prototypes(b.symbol());
            if (protos.isEmpty()) {
                wrong.add(b.symbol() + ": no prototype in " + file);
                continue;
            }
            for (var p : protos) {
                List<CType> kinds = p.params().stream().map(header::kindOf).toList();
                if (!kinds.equals(b.params())) {
                    wrong.add(b.symbol() + " (declared as " + p.written() + p.params() + "): header kinds " + kinds
                            + ", bound " + b.params());
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void constantsHaveTheHeadersValues() {
        List<String> wrong = new ArrayList<>();
        CudaDriver.constants().forEach((name, value) -> {
            var v = header.enumerator(name);
            if (v.isEmpty()) wrong.add(name + " is not an enumerator of " + file);
            else if (v.get().longValue() != value) wrong.add(name + " = " + value + " but the header says " + v.get());
        });
        assertThat(CudaDriver.constants()).hasSizeGreaterThan(30);
        assertThat(wrong).isEmpty();
    }

    /** The reader itself: versioned names resolve, per-thread variants stay off, kinds come out right. */
    @Test
    void theHeaderReaderResolvesKnownDeclarations() {
        assertThat(header.expand("cuMemAlloc")).isEqualTo("cuMemAlloc_v2");
        assertThat(header.expand("cuMemcpyHtoDAsync")).isEqualTo("cuMemcpyHtoDAsync_v2");
        assertThat(header.expand("cuStreamSynchronize")).isEqualTo("cuStreamSynchronize");
        assertThat(header.expand("cuGraphInstantiate")).isEqualTo("cuGraphInstantiateWithFlags");
        assertThat(header.kindOf("CUdeviceptr dptr")).isEqualTo(CType.UINT64);
        assertThat(header.kindOf("CUdevice dev")).isEqualTo(CType.INT32);
        assertThat(header.kindOf("CUstream hStream")).isEqualTo(CType.POINTER);
        assertThat(header.kindOf("CUdevice_attribute attrib")).isEqualTo(CType.ENUM);
        assertThat(header.kindOf("size_t bytesize")).isEqualTo(CType.SIZE_T);
        assertThat(header.kindOf("unsigned char uc")).isEqualTo(CType.UINT8);
        // The 32-bit legacy prototypes of __CUDA_API_VERSION_INTERNAL are not what a program sees.
        assertThat(header.prototypes("cuMemAlloc_v2")).singleElement()
                .satisfies(p -> assertThat(p.params()).containsExactly("CUdeviceptr *dptr", "size_t bytesize"));
    }
}
