// The graph IR's builder: shape inference per op, errors that name the node and the shapes,
// PyTorch-named parameter slots and their layouts, loading weights by name.
package dev.gannet.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.ops.Activation;
import dev.gannet.ops.PadMode;
import dev.gannet.ops.PixelShuffle;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphBuilderTest {
    @Test
    void inferShapesThroughALessonBlock() {
        GraphBuilder b = new GraphBuilder("block");
        Value x = b.input("x", Shape.of(2, 16, 16, 3));
        Value y = b.conv2d(x, "conv1", 8, 4, 2, 1, PadMode.ZERO, false);
        assertThat(y.shape()).isEqualTo(Shape.of(2, 8, 8, 8));
        y = b.leakyRelu(y, 0.2f);
        y = b.batchNorm(y, "bn1");
        Value t = b.convTranspose2d(y, "up", 4, 4, 2, 1, 0, true);
        assertThat(t.shape()).isEqualTo(Shape.of(2, 16, 16, 4));
        Value c = b.concat(t, b.pad(b.pad(x, 1, PadMode.REFLECT), -1, PadMode.ZERO));
        assertThat(c.shape()).isEqualTo(Shape.of(2, 16, 16, 7));
        b.output("y", c);
        Graph g = b.build();
        assertThat(g.params().keySet()).containsExactly("conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
                "bn1.running_var", "up.weight", "up.bias");
        assertThat(g.params().get("conv1.weight").shape()).isEqualTo(Shape.of(8, 4, 4, 3));
        assertThat(g.params().get("conv1.weight").torchShape()).containsExactly(8, 3, 4, 4);
        assertThat(g.params().get("up.weight").torchShape()).containsExactly(8, 4, 4, 4);
        assertThat(g.params().get("bn1.running_var").trainable()).isFalse();
        assertThat(g.computeNodeCount()).isEqualTo(7); // conv, leaky, bn, convT, two pads, concat
    }

    @Test
    void shapeErrorsNameTheNodeAndTheShapes() {
        GraphBuilder b = new GraphBuilder("bad");
        Value x = b.input("x", Shape.of(1, 8, 8, 3));
        Value y = b.input("y", Shape.of(1, 4, 4, 3));
        assertThatThrownBy(() -> b.named("sum").add(x, y)).isInstanceOf(GannetException.class)
                .hasMessageContaining("node 'sum' (add)").hasMessageContaining("1x8x8x3").hasMessageContaining("1x4x4x3");
        Value w = b.param("w", Shape.of(4, 3, 3, 5), ParamLayout.CONV, true);
        assertThatThrownBy(() -> b.named("c").conv2d(x, w, null, dev.gannet.ops.Conv2d.Attrs.same(3)))
                .hasMessageContaining("node 'c' (conv2d)").hasMessageContaining("4x3x3x5")
                .hasMessageContaining("1x8x8x3");
        assertThatThrownBy(() -> b.pixelShuffle(x, 2, PixelShuffle.Mode.DCR)).hasMessageContaining("pixel_shuffle")
                .hasMessageContaining("divisible");
        assertThatThrownBy(() -> b.pad(x, 8, PadMode.REFLECT)).hasMessageContaining("reflect padding");
        // A failed node leaves no trace: its name can be used again.
        Value ok = b.named("sum").add(x, x);
        assertThat(ok.name()).isEqualTo("sum");
        assertThatThrownBy(() -> b.named("sum").relu(x)).hasMessageContaining("two nodes are named 'sum'");
    }

    @Test
    void slotsMadeInsideACallDoNotTakeItsName() {
        GraphBuilder b = new GraphBuilder("n");
        Value x = b.input("x", Shape.of(1, 4, 4, 2));
        Value y = b.named("head").conv2d(x, b.param("head.w", Shape.of(1, 1, 1, 2), ParamLayout.CONV, true), null,
                dev.gannet.ops.Conv2d.Attrs.kernel(1, 1));
        assertThat(y.name()).isEqualTo("head");
        assertThat(b.paramValue("head.w").name()).isEqualTo("head.w");
    }

    @Test
    void valuesOfAnotherBuilderAreRejected() {
        GraphBuilder a = new GraphBuilder("a"), b = new GraphBuilder("b");
        Value x = a.input("x", Shape.of(1, 2, 2, 1));
        b.input("y", Shape.of(1, 2, 2, 1));
        b.input("z", Shape.of(1, 2, 2, 1));
        Value foreign = new Value(x.id(), "x", Shape.of(1, 2, 2, 2), DType.F32);
        assertThatThrownBy(() -> b.relu(foreign)).hasMessageContaining("does not belong");
        assertThatThrownBy(b::build).hasMessageContaining("no outputs");
    }

    @Test
    void torchLayoutsReorderAsPyTorchIndexes() {
        int k = 2, c = 3, r = 2, s = 4;
        float[] torch = new float[k * c * r * s];
        for (int a = 0; a < k; a++)
            for (int ci = 0; ci < c; ci++)
                for (int ri = 0; ri < r; ri++)
                    for (int si = 0; si < s; si++) torch[((a * c + ci) * r + ri) * s + si] = 1000 * a + 100 * ci + 10 * ri + si;
        float[] g = ParamLayout.CONV.fromTorch(torch, Shape.of(k, r, s, c));
        // gannet K x R x S x C: element (a, ri, si, ci)
        for (int a = 0; a < k; a++)
            for (int ri = 0; ri < r; ri++)
                for (int si = 0; si < s; si++)
                    for (int ci = 0; ci < c; ci++) {
                        assertThat(g[((a * r + ri) * s + si) * c + ci]).isEqualTo(1000 * a + 100 * ci + 10 * ri + si);
                    }
        assertThat(ParamLayout.CONV.toTorch(g, Shape.of(k, r, s, c))).containsExactly(torch);
        // ConvTranspose2d: PyTorch (Cin, Cout, R, S); gannet Cout x R x S x Cin.
        int cin = 3, cout = 2;
        float[] t2 = new float[cin * cout * r * s];
        for (int i = 0; i < cin; i++)
            for (int o = 0; o < cout; o++)
                for (int ri = 0; ri < r; ri++)
                    for (int si = 0; si < s; si++) t2[((i * cout + o) * r + ri) * s + si] = 1000 * i + 100 * o + 10 * ri + si;
        float[] g2 = ParamLayout.CONV_TRANSPOSE.fromTorch(t2, Shape.of(cout, r, s, cin));
        for (int o = 0; o < cout; o++)
            for (int ri = 0; ri < r; ri++)
                for (int si = 0; si < s; si++)
                    for (int i = 0; i < cin; i++) {
                        assertThat(g2[((o * r + ri) * s + si) * cin + i]).isEqualTo(1000 * i + 100 * o + 10 * ri + si);
                    }
    }

    @Test
    void weightsLoadByNameAndMistakesAreListed() {
        GraphBuilder b = new GraphBuilder("m");
        Value x = b.input("x", Shape.of(1, 4, 4, 2));
        b.output("y", b.conv2d(x, "conv", 3, 1, 1, 0, PadMode.ZERO, true));
        Graph g = b.build();
        assertThat(g.unboundParams()).containsExactly("conv.weight", "conv.bias");
        Graph loaded = g.withWeights(Map.of("conv.weight", WeightData.torch(new float[6]), "conv.bias",
                WeightData.of(new float[3])));
        assertThat(loaded.unboundParams()).isEmpty();
        assertThat(g.unboundParams()).hasSize(2); // graphs are immutable
        assertThatThrownBy(() -> g.withWeights(Map.of("conv.weight", WeightData.of(new float[5]), "conv.extra",
                WeightData.of(new float[1])))).hasMessageContaining("unknown parameters [conv.extra]")
                .hasMessageContaining("conv.weight 3x1x1x2 (torch [3, 2, 1, 1]): 5 values given");
    }

    @Test
    void describeListsNodesAndOutputs() {
        GraphBuilder b = new GraphBuilder("d");
        Value x = b.input("img", Shape.of(1, 2, 2, 3), DType.U8);
        Value f = b.cast(x, DType.F32, 1 / 255f, 0);
        b.output("out", b.named("act").activation(f, Activation.TANH));
        Graph g = b.build();
        assertThat(g.describe()).contains("act = tanh(cast_1) -> f32[1x2x2x3]").contains("output out = act");
        assertThat(g.computeNodeCount()).isEqualTo(2); // the input is not counted
        assertThat(List.copyOf(g.inputs().keySet())).containsExactly("img");
    }
}
