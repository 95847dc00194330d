// Each pass on a small graph that exercises it (the orders of the seed lessons included): the pass
// must fire (fewer launches, the listing names what was fused) and the fused Plan must compute what
// the unfused one and the double-precision reference compute, in fp32 and fp16.
package dev.gannet.graph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.ops.Activation;
import dev.gannet.ops.PadMode;
import dev.gannet.ops.PixelShuffle;
import dev.gannet.ops.Upsample2d;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Shape;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PassesTest {
    static Device cpu;

    @BeforeAll
    static void open() {
        cpu = Devices.open("cpu");
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    private static PlanCheck.Result check(Graph g, Precision p) {
        PlanCheck.Result r = PlanCheck.fusedMatchesUnfused(g, cpu, p, 7);
        System.out.println(r);
        return r;
    }

    private static String listing(Graph g) {
        return Plan.describe(g, PlanOptions.fp32());
    }

    /** The WGAN lesson's ConvBlock: conv → LeakyReLU → BN. The BN comes after the activation: it cannot fold. */
    static Graph lessonConvBlocks() {
        GraphBuilder b = new GraphBuilder("lesson-convblock");
        Value x = b.input("x", Shape.of(2, 16, 16, 3));
        Value y = b.conv2d(x, "initial.conv", 8, 4, 2, 1, PadMode.ZERO, false);
        y = b.leakyRelu(y, 0.2f);
        for (int i = 0; i < 2; i++) {
            y = b.conv2d(y, "extra." + i + ".conv", 8, 3, 1, 1, PadMode.ZERO, false);
            y = b.leakyRelu(y, 0.2f);
            y = b.batchNorm(y, "extra." + i + ".bn");
        }
        b.output("y", y);
        return b.build();
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void batchNormAfterTheActivationStaysALaunch(Precision p) {
        Graph g = lessonConvBlocks();
        PlanCheck.Result r = check(g, p);
        // conv+leaky, then per block conv+leaky and the BN (in place): 1 + 2·2.
        assertThat(r.launchesFused()).isEqualTo(5 + (p == Precision.FP16 ? 2 : 0));
        assertThat(listing(g)).doesNotContain("batchnorm folded").contains("[in place of leaky_2]", "leaky(0.2)");
    }

    /** Classic DCGAN order: conv → BN → LeakyReLU folds into one launch per block. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void batchNormBeforeTheActivationFoldsIntoTheConv(Precision p) {
        Graph g = classicDcgan();
        PlanCheck.Result r = check(g, p);
        assertThat(r.launchesFused()).isEqualTo(3 + (p == Precision.FP16 ? 2 : 0));
        assertThat(r.launchesUnfused()).isEqualTo(9 + (p == Precision.FP16 ? 2 : 0));
        assertThat(listing(g)).contains("batchnorm folded into weights and bias").contains("+leaky(0.2)");
    }

    /** DCGAN_G's blocks: ConvTranspose → ReLU → BN and ConvTranspose → BN → ReLU, then tanh. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void transposedConvBlocks(Precision p) {
        Graph g = dcganGenerator();
        PlanCheck.Result r = check(g, p);
        assertThat(r.launchesFused()).isEqualTo(4 + (p == Precision.FP16 ? 2 : 0));
    }

    /** CycleGAN's residual block: reflection pads fold into the convs, the activation into the norm. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void reflectPadsFoldAndNormsTakeTheActivation(Precision p) {
        Graph g = residualBlock();
        PlanCheck.Result r = check(g, p);
        // conv, norm+relu, conv, norm, add (in place): the pads are gone.
        assertThat(r.launchesFused()).isEqualTo(5 + (p == Precision.FP16 ? 2 : 0));
        assertThat(listing(g)).contains("pad=(1,1,1,1) reflect", "pad=(1,1,1,1) replicate", "+relu",
                "in place of block.6");
    }

    /** Fast style transfer's upsampling: nearest ×2 → reflection pad → conv becomes one conv. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void upsampleAndPadFoldIntoTheConv(Precision p) {
        Graph g = upsampleConv();
        PlanCheck.Result r = check(g, p);
        assertThat(r.launchesFused()).isEqualTo(2 + (p == Precision.FP16 ? 2 : 0));
        assertThat(listing(g)).contains("up=2", "nearest upsample x2", "pad=(2,1,3,2) zero");
    }

    /** Concat inputs written in place, an input concatenated twice, a graph input, nested concats. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void concatProducersWriteSlices(Precision p) {
        Graph g = concats();
        PlanCheck.Result r = check(g, p);
        String l = listing(g);
        assertThat(l).contains("[channels 0..4 of concat_1]", "[channels 4..9 of concat_1]", "[channels 11..20 of concat_2]",
                "4 inputs, 2 copied");
        assertThat(r.launchesFused()).isLessThan(r.launchesUnfused());
    }

    /** ESRGAN's residual scaling: x + 0.2·conv(...), and a constant scale before the first conv. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void scalesFoldAndResidualsFuse(Precision p) {
        Graph g = rrdb();
        PlanCheck.Result r = check(g, p);
        assertThat(r.launchesFused()).isEqualTo(4 + (p == Precision.FP16 ? 2 : 0));
        assertThat(listing(g)).contains("scale 255.0 folded into weights", "scale 0.2 folded into weights and bias", "+residual(first)",
                "scale 0.003921569 folded into weights and bias");
    }

    /** Darknet's head and a conv → BN → LeakyReLU(0.1) layer with a residual, plus a linear layer with BN. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void darknetLayersAndHead(Precision p) {
        Graph g = darknet();
        PlanCheck.Result r = check(g, p);
        // conv, conv+residual(x), pool, linear(+bn+sigmoid); the flatten is a view.
        assertThat(r.launchesFused()).isEqualTo(4 + (p == Precision.FP16 ? 2 : 0));
        assertThat(listing(g)).contains("+residual(x");
    }

    /** Neural style statistics: Gram matrices (F32 in every precision) against a constant target, mse. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void gramAndLossesStayF32(Precision p) {
        Graph g = style();
        check(g, p);
    }

    /** No-ops disappear; reshapes are views when dense and copies of slices; shuffles, clamps, broadcasts. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void noOpsReshapesAndTheRest(Precision p) {
        Graph g = misc();
        PlanCheck.Result r = check(g, p);
        assertThat(listing(g)).doesNotContain("pad2d").contains("  view", "  copy");
        assertThat(r.launchesFused()).isLessThan(r.launchesUnfused());
    }


    static Graph classicDcgan() {
        GraphBuilder b = new GraphBuilder("classic-dcgan");
        Value x = b.input("x", Shape.of(2, 16, 16, 3));
        Value y = x;
        for (int i = 0; i < 3; i++) {
            y = b.conv2d(y, "main." + (3 * i), 8 << i, 4, 2, 1, PadMode.ZERO, false);
            y = b.batchNorm(y, "main." + (3 * i + 1));
            y = b.leakyRelu(y, 0.2f);
        }
        b.output("y", y);
        return b.build();
    }

    static Graph dcganGenerator() {
        GraphBuilder b = new GraphBuilder("dcgan-g");
        Value z = b.input("z", Shape.of(2, 1, 1, 16));
        Value y = b.convTranspose2d(z, "initial.convt", 16, 4, 1, 0, 0, false);
        y = b.relu(y);
        y = b.batchNorm(y, "initial.bn");
        y = b.convTranspose2d(y, "pyramid.0.convt", 8, 4, 2, 1, 0, false);
        y = b.batchNorm(y, "pyramid.0.bn");
        y = b.relu(y);
        y = b.convTranspose2d(y, "final.convt", 3, 4, 2, 1, 0, true);
        b.output("img", b.tanh(y));
        return b.build();
    }

    static Graph residualBlock() {
        GraphBuilder b = new GraphBuilder("resblock");
        Value x = b.input("x", Shape.of(1, 9, 7, 8));
        Value y = b.pad(x, 1, PadMode.REFLECT);
        y = b.conv2d(y, "block.1", 8, 3, 1, 0, PadMode.ZERO, true);
        y = b.instanceNorm(y, "block.2", true);
        y = b.relu(y);
        y = b.pad(y, 1, PadMode.REPLICATE);
        y = b.conv2d(y, "block.5", 8, 3, 1, 0, PadMode.ZERO, true);
        y = b.instanceNorm(y, "block.6", false);
        b.output("y", b.add(x, y));
        return b.build();
    }

    static Graph upsampleConv() {
        GraphBuilder b = new GraphBuilder("upsample-conv");
        Value x = b.input("x", Shape.of(1, 5, 6, 4));
        Value y = b.upsampleNearest(x, 2);
        y = b.pad(y, 1, PadMode.REFLECT);
        y = b.conv2d(y, "deconv1.conv2d", 6, 3, 1, 0, PadMode.ZERO, true);
        // A zero pad followed by a zero-padded conv: the amounts add up.
        y = b.pad(y, 1, 0, 2, 1, PadMode.ZERO);
        y = b.conv2d(y, "out", 3, 3, 1, 1, PadMode.ZERO, false);
        b.output("y", y);
        return b.build();
    }

    static Graph concats() {
        GraphBuilder b = new GraphBuilder("concat");
        Value x = b.input("x", Shape.of(2, 6, 5, 3));
        Value a = b.conv2d(x, "a", 4, 3, 1, 1, PadMode.ZERO, true);
        Value c = b.relu(b.conv2d(a, "c", 5, 1, 1, 0, PadMode.ZERO, true));
        Value cat1 = b.concat(a, c);                  // both in place
        Value d = b.conv2d(cat1, "d", 4, 3, 1, 1, PadMode.REFLECT, true);
        Value cat2 = b.concat(d, x, d, cat1);         // x copied, second d copied, cat1 nested in place
        Value e = b.conv2d(cat2, "e", 3, 1, 1, 0, PadMode.ZERO, false);
        b.output("e", e);
        b.output("a", a);                             // an output that lives in a slice
        return b.build();
    }

    static Graph rrdb() {
        GraphBuilder b = new GraphBuilder("rrdb");
        Value x = b.input("x", Shape.of(1, 8, 8, 3));
        Value s = b.scale(x, 255f);
        Value f = b.conv2d(s, "first", 8, 3, 1, 1, PadMode.ZERO, true);
        Value t = b.leakyRelu(b.conv2d(f, "c1", 8, 3, 1, 1, PadMode.ZERO, true), 0.2f);
        t = b.conv2d(t, "c2", 8, 3, 1, 1, PadMode.ZERO, true);
        Value y = b.add(b.scale(t, 0.2f), f);
        y = b.conv2d(y, "last", 3, 3, 1, 1, PadMode.ZERO, true);
        b.output("y", b.scale(y, 1 / 255f));
        return b.build();
    }

    static Graph darknet() {
        GraphBuilder b = new GraphBuilder("darknet");
        Value x = b.input("x", Shape.of(2, 8, 8, 4));
        Value y = b.leakyRelu(b.batchNorm(b.conv2d(x, "l.conv", 2, 1, 1, 0, PadMode.ZERO, false), "l.bn", 1e-5f, 0.01f,
                true), 0.1f);
        y = b.leakyRelu(b.batchNorm(b.conv2d(y, "l2.conv", 4, 3, 1, 1, PadMode.ZERO, false), "l2.bn", 1e-5f, 0.01f,
                true), 0.1f);
        y = b.add(x, y);
        y = b.flatten(b.globalAvgPool(y));
        y = b.linear(y, "fc", 10, true);
        y = b.batchNorm(y, "fc.bn");
        b.output("logits", b.sigmoid(y));
        return b.build();
    }

    static Graph style() {
        GraphBuilder b = new GraphBuilder("style");
        Value x = b.input("x", Shape.of(1, 6, 6, 3));
        Value f = b.relu(b.conv2d(x, "features.0", 5, 3, 1, 1, PadMode.ZERO, true));
        Value f2 = b.avgPool(f, 2, 2, 0);
        Value target = b.param("target", Shape.of(1, 1, 5, 5), ParamLayout.TENSOR, false);
        Value loss = b.mse(b.gram(f), target);
        b.output("loss", b.add(loss, b.mse(b.gram(f2), target), 1f, 0.5f));
        b.output("content", b.meanChannel(b.maxPool(f, 3, 2, 1)));
        return b.build();
    }

    static Graph misc() {
        GraphBuilder b = new GraphBuilder("misc");
        Value x = b.input("x", Shape.of(2, 4, 4, 8));
        Value y = b.affine(b.pad(b.upsampleNearest(x, 1), 0, PadMode.REFLECT), 1f, 0f);
        y = b.pixelShuffle(y, 2, PixelShuffle.Mode.CRD);                 // 2x8x8x2
        y = b.pixelUnshuffle(y, 2, PixelShuffle.Mode.DCR);               // 2x4x4x8
        Value relu = b.relu(y);
        Value cat = b.concat(relu, b.tanh(y));                              // 16 channels, r written in a slice
        Value copied = b.reshape(relu, Shape.of(2, 1, 16, 8));             // a slice: copied
        b.output("r", b.relu(copied));
        Value slice = b.reshape(b.concat(b.clamp(cat, -0.5f, 0.5f), x), Shape.of(2, 8, 4, 12)); // dense: a view
        Value v = b.param("gain", Shape.of(1, 1, 1, 12), ParamLayout.VECTOR, true);
        y = b.mul(slice, v);
        y = b.resize(y, Upsample2d.Mode.BILINEAR, 5, 3);
        y = b.resize(y, Upsample2d.Mode.AREA, 5, 3);
        b.output("y", b.activation(y, Activation.SIGMOID));
        b.output("x", x);                                                // an input as an output: copied
        return b.build();
    }

    /** An 8-bit image in: the cast to [0, 1] is the plan's first launch, in fp16 plans straight to fp16. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void imageInputsAreCastAtTheEdge(Precision p) {
        Graph g = imageEdges();
        PlanCheck.Result r = check(g, p);
        assertThat(r.launchesFused()).isEqualTo(2 + (p == Precision.FP16 ? 1 : 0));
        assertThat(Plan.describe(g, PlanOptions.of(p))).contains(p == Precision.FP16 ? "u8->f16" : "u8->f32");
    }

    static Graph imageEdges() {
        GraphBuilder b = new GraphBuilder("image");
        Value img = b.input("img", Shape.of(1, 7, 6, 3), dev.gannet.runtime.DType.U8);
        Value x = b.cast(img, dev.gannet.runtime.DType.F32, 1 / 255f, 0f);
        b.output("y", b.sigmoid(b.conv2d(x, "c", 4, 3, 1, 1, PadMode.REPLICATE, true)));
        return b.build();
    }

    /** Every graph of this class by name, for the same checks on other devices. */
    static final Map<String, Supplier<Graph>> GRAPHS = Map.ofEntries(
            Map.entry("lesson-convblock", PassesTest::lessonConvBlocks),
            Map.entry("classicDcgan", PassesTest::classicDcgan),
            Map.entry("dcganGenerator", PassesTest::dcganGenerator),
            Map.entry("residualBlock", PassesTest::residualBlock),
            Map.entry("upsampleConv", PassesTest::upsampleConv),
            Map.entry("concats", PassesTest::concats),
            Map.entry("rrdb", PassesTest::rrdb),
            Map.entry("darknet", PassesTest::darknet),
            Map.entry("style", PassesTest::style),
            Map.entry("misc", PassesTest::misc),
            Map.entry("image", PassesTest::imageEdges));
}
