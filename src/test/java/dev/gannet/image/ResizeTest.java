// The Java resizers against independent definitions: bilinear against gannet's upsample2d bilinear op
// on the cpu device, nearest and bicubic against their formulas on known inputs.
package dev.gannet.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.gannet.ops.Upsample2d;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ResizeTest {
    @Test
    void bilinearMatchesTheUpsample2dOpOnTheCpuDevice() {
        int sw = 13, sh = 7, c = 2;
        float[] src = new float[sw * sh * c];
        Random r = new Random(11);
        for (int i = 0; i < src.length; i++) src[i] = r.nextFloat();
        int[][] sizes = {{52, 28}, {39, 21}, {20, 9}, {13, 7}};
        try (Device cpu = Devices.open("cpu"); DeviceArena a = cpu.newArena("resize")) {
            Tensor x = a.of(DType.F32, Shape.of(1, sh, sw, c), src);
            for (int[] d : sizes) {
                Tensor y = Upsample2d.apply(a, cpu.defaultStream(), x, Upsample2d.Mode.BILINEAR, d[1], d[0]);
                float[] want = y.toFloatArray();
                float[] got = Resize.bilinear(src, sw, sh, c, d[0], d[1]);
                for (int i = 0; i < want.length; i++) {
                    assertThat(got[i]).as("value %d of %dx%d", i, d[0], d[1]).isCloseTo(want[i], within(2e-6f));
                }
                // Bands of rows give the same values as the whole.
                float[] band = new float[3 * d[0] * c];
                Resize.bilinearRows(src, sw, sh, c, d[0], d[1], 2, 3, band);
                for (int i = 0; i < band.length; i++) assertThat(band[i]).isEqualTo(got[2 * d[0] * c + i]);
            }
        }
    }

    @Test
    void nearestRepeatsPixelsByIntegerFactors() {
        float[] src = {1, 2, 3, 4};
        assertThat(Resize.nearest(src, 2, 2, 1, 4, 4)).containsExactly(1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4,
                4);
    }

    @Test
    void bicubicKeepsConstantsAndLinearRampsInsideAndMatchesKeysWeights() {
        float[] flat = new float[5 * 4 * 3];
        java.util.Arrays.fill(flat, 0.375f);
        for (float v : Resize.bicubic(flat, 5, 4, 3, 17, 9)) assertThat(v).isCloseTo(0.375f, within(1e-6f));
        // Keys' kernel reproduces linear functions exactly away from the edges.
        int sw = 16;
        float[] ramp = new float[sw];
        for (int x = 0; x < sw; x++) ramp[x] = x;
        float[] up = Resize.bicubic(ramp, sw, 1, 1, 4 * sw, 1);
        for (int o = 8; o < 4 * sw - 8; o++) {
            assertThat(up[o]).isCloseTo((o + 0.5f) / 4 - 0.5f, within(1e-5f));
        }
        // Its weights at a half-pixel offset: -1/16, 9/16, 9/16, -1/16.
        assertThat(Resize.keys(0.5)).isEqualTo(0.5625);
        assertThat(Resize.keys(1.5)).isEqualTo(-0.0625);
        assertThat(Resize.keys(0)).isEqualTo(1);
        assertThat(Resize.keys(1)).isZero();
    }
}
