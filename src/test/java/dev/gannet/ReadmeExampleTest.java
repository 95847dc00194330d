// The embedding example of README.md, verbatim between the markers, checked against the reference
// ops so the example cannot rot.
package dev.gannet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.matrix.Compare;
import dev.gannet.matrix.Result;
import dev.gannet.matrix.Tolerance;
import dev.gannet.ops.Activation;
import dev.gannet.ops.Conv2d;
import dev.gannet.ops.ConvWeights;
import dev.gannet.ops.Epilogue;
import dev.gannet.ops.Gram;
import dev.gannet.ops.PadMode;
import dev.gannet.ref.HostTensor;
import dev.gannet.ref.RefOpsConv;
import dev.gannet.ref.RefOpsGramPoolLinear;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReadmeExampleTest {
    @Test
    void readmeExampleMatchesTheReference() {
        Random rnd = new Random(7);
        float[] pixels = new float[64 * 64 * 3];
        float[] weights = new float[16 * 3 * 3 * 3];
        for (int i = 0; i < pixels.length; i++) pixels[i] = rnd.nextFloat();
        for (int i = 0; i < weights.length; i++) weights[i] = (float) rnd.nextGaussian() * 0.2f;
        float[] features;
        float[] gram;
        // --- README example begins
        try (Device cpu = Devices.open("cpu"); DeviceArena arena = cpu.newArena("example")) {
            Stream stream = cpu.defaultStream();
            Tensor x = arena.of(DType.F32, Shape.of(1, 64, 64, 3), pixels);   // NHWC, RGB in [0,1]
            Tensor w = arena.of(DType.F32, Shape.of(16, 3, 3, 3), weights);   // K x R x S x C (OHWI)
            ConvWeights packed = ConvWeights.prepare(arena, stream, w, false); // once, at load time
            Tensor y = Conv2d.apply(arena, stream, x, packed, Conv2d.Attrs.same(3, PadMode.REFLECT),
                    Epilogue.NONE.withAct(Activation.leaky(0.2f)));           // reflect-pad + conv + LeakyReLU, one launch
            Tensor g = Gram.apply(arena, stream, y);                          // 1 x 1 x 16 x 16, F32
            features = y.toFloatArray();                                      // waits for the stream
            gram = g.toFloatArray();
        }                                                                     // frees every tensor of the arena
        // --- README example ends
        HostTensor ref = RefOpsConv.conv2d(HostTensor.of(Shape.of(1, 64, 64, 3), pixels),
                HostTensor.of(Shape.of(16, 3, 3, 3), weights), Conv2d.Attrs.same(3, PadMode.REFLECT),
                new RefOpsConv.Ep(null, null, null, Activation.leaky(0.2f), 1, null, 1));
        assertThat(Compare.check(ref.data(), features, Tolerance.of(DType.F32, 27))).isInstanceOf(Result.Passed.class);
        HostTensor refGram = RefOpsGramPoolLinear.gram(ref, 1.0 / (64 * 64 * 16));
        assertThat(Compare.check(refGram.data(), gram, Tolerance.of(DType.F32, 64 * 64)))
                .isInstanceOf(Result.Passed.class);
    }
}
