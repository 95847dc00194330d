// Every architecture has the state-dict names, PyTorch shapes and parameter counts of its canonical
// implementation (counted by hand from that code, or the counts its authors' tools print), and
// rejects inputs it cannot take.
package dev.gannet.models.arch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.graph.Graph;
import dev.gannet.graph.Param;
import dev.gannet.models.ModelRegistry;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ArchitecturesTest {
    static Graph graph(String name) {
        Architecture a = ModelRegistry.architecture(name);
        return a.graph(a.defaultInput(1));
    }

    /** The sum of trainable values: what PyTorch's {@code sum(p.numel() for p in m.parameters())} counts. */
    static long trainable(Graph g) {
        return g.params().values().stream().filter(Param::trainable).mapToLong(p -> p.shape().numel()).sum();
    }

    static Map<String, List<Long>> torchShapes(Graph g) {
        Map<String, List<Long>> m = new TreeMap<>();
        for (Param p : g.params().values()) m.put(p.name(), Arrays.stream(p.torchShape()).boxed().toList());
        return m;
    }

    static void assertShape(Graph g, String name, long... shape) {
        assertThat(g.params()).as("%s has %s", g.name(), name).containsKey(name);
        assertThat(g.params().get(name).torchShape()).as(name).containsExactly(shape);
    }

    @Test
    void lessonDcganHasTheLessonsModules() {
        Graph g = graph("dcgan-lesson");
        // DCGAN_G(64, 100, 3, 64, 1): cngf 512; blocks 100->512 (4x4 s1), 512->256, 256->128, 128->64, extra 64->64 3x3,
        // final ConvTranspose(64, 3, 4, 2, 1).
        assertShape(g, "features.0.conv.weight", 100, 512, 4, 4);
        assertShape(g, "features.0.bn.running_var", 512);
        assertShape(g, "features.1.conv.weight", 512, 256, 4, 4);
        assertShape(g, "features.3.conv.weight", 128, 64, 4, 4);
        assertShape(g, "features.4.conv.weight", 64, 64, 3, 3);
        assertShape(g, "features.5.weight", 64, 3, 4, 4);
        assertThat(g.params()).hasSize(5 * 5 + 1);
        assertThat(trainable(g)).isEqualTo(819_200 + 1_024 + 2_097_152 + 512 + 524_288 + 256 + 131_072 + 128 + 36_864
                + 128 + 3_072);
        assertThat(g.output("image").shape()).isEqualTo(Shape.of(1, 64, 64, 3));

        Graph d = graph("dcgan-lesson-critic");
        assertThat(torchShapes(d).keySet()).containsExactly("extra.0.bn.bias", "extra.0.bn.running_mean",
                "extra.0.bn.running_var", "extra.0.bn.weight", "extra.0.conv.weight", "final.weight",
                "initial.conv.weight", "pyramid.0.bn.bias", "pyramid.0.bn.running_mean", "pyramid.0.bn.running_var",
                "pyramid.0.bn.weight", "pyramid.0.conv.weight", "pyramid.1.bn.bias", "pyramid.1.bn.running_mean",
                "pyramid.1.bn.running_var", "pyramid.1.bn.weight", "pyramid.1.conv.weight", "pyramid.2.bn.bias",
                "pyramid.2.bn.running_mean", "pyramid.2.bn.running_var", "pyramid.2.bn.weight", "pyramid.2.conv.weight");
        assertShape(d, "initial.conv.weight", 64, 3, 4, 4);
        assertShape(d, "pyramid.2.conv.weight", 512, 256, 4, 4);
        assertShape(d, "final.weight", 1, 512, 4, 4);
        // The critic's output is the mean over everything: one number per batch.
        assertThat(d.output("score").shape()).isEqualTo(Shape.of(1, 1, 1, 1));
        Architecture critic = ModelRegistry.architecture("dcgan-lesson-critic");
        assertThat(critic.graph(Shape.of(5, 64, 64, 3)).output("score").shape()).isEqualTo(Shape.of(1, 1, 1, 1));
    }

    @Test
    void classicDcganHasPytorchExamplesCounts() {
        // pytorch/examples dcgan with nz 100, ngf = ndf = 64: 3,576,704 and 2,765,568 parameters.
        Graph g = graph("dcgan");
        assertThat(trainable(g)).isEqualTo(3_576_704);
        assertShape(g, "main.0.weight", 100, 512, 4, 4);
        assertShape(g, "main.1.weight", 512);
        assertShape(g, "main.12.weight", 64, 3, 4, 4);
        Graph d = graph("dcgan-discriminator");
        assertThat(trainable(d)).isEqualTo(2_765_568);
        assertShape(d, "main.0.weight", 64, 3, 4, 4);
        assertShape(d, "main.3.running_mean", 128);
        assertShape(d, "main.11.weight", 1, 512, 4, 4);
        assertThat(d.output("probability").shape()).isEqualTo(Shape.of(1, 1, 1, 1));
    }

    @Test
    void cycleGanGeneratorHasTheRepositorysNamesAndCount() {
        Graph g = graph("cyclegan");
        // "[Network G_A] Total number of parameters : 11.378 M" for resnet_9blocks, instance norm.
        assertThat(trainable(g)).isEqualTo(11_378_179);
        assertShape(g, "model.1.weight", 64, 3, 7, 7);
        assertShape(g, "model.1.bias", 64);
        assertShape(g, "model.4.weight", 128, 64, 3, 3);
        assertShape(g, "model.7.weight", 256, 128, 3, 3);
        assertShape(g, "model.10.conv_block.1.weight", 256, 256, 3, 3);
        assertShape(g, "model.18.conv_block.5.bias", 256);
        assertShape(g, "model.19.weight", 256, 128, 3, 3); // ConvTranspose (in, out, k, k)
        assertShape(g, "model.22.weight", 128, 64, 3, 3);
        assertShape(g, "model.26.weight", 3, 64, 7, 7);
        // InstanceNorm(affine=False): no norm parameters at all.
        assertThat(g.params().keySet()).allMatch(n -> n.endsWith(".weight") || n.endsWith(".bias"));
        assertThat(g.params()).hasSize(2 * (3 + 18 + 2 + 1));
        assertThat(g.output("image").shape()).isEqualTo(Shape.of(1, 256, 256, 3));
    }

    @Test
    void transformerNetHasTheExamplesNames() {
        Graph g = graph("transformer-net");
        assertThat(trainable(g)).isEqualTo(1_679_235);
        assertShape(g, "conv1.conv2d.weight", 32, 3, 9, 9);
        assertShape(g, "in1.weight", 32);
        assertShape(g, "res3.conv2.conv2d.weight", 128, 128, 3, 3);
        assertShape(g, "res5.in2.bias", 128);
        assertShape(g, "deconv1.conv2d.weight", 64, 128, 3, 3);
        assertShape(g, "deconv3.conv2d.bias", 3);
        assertThat(g.output("image").shape()).isEqualTo(Shape.of(1, 256, 256, 3));
        var ignored = new TransformerNet().ignoredOnLoad();
        assertThat(ignored.test("in1.running_mean")).isTrue();
        assertThat(ignored.test("res2.in1.running_var")).isTrue();
        assertThat(ignored.test("in1.weight")).isFalse();
        assertThat(ignored.test("conv1.conv2d.weight")).isFalse();
    }

    @Test
    void darknetHasTheLessonsLayersAndItsWideVariantWidens() {
        Graph g = graph("darknet");
        assertShape(g, "layers.0.0.weight", 32, 3, 3, 3);
        assertShape(g, "layers.0.1.running_mean", 32);
        assertShape(g, "layers.1.0.weight", 64, 32, 3, 3);
        assertShape(g, "layers.2.conv1.0.weight", 32, 64, 1, 1);
        assertShape(g, "layers.2.conv2.0.weight", 64, 32, 3, 3);
        assertShape(g, "layers.18.0.weight", 1024, 512, 3, 3);
        assertShape(g, "layers.21.conv2.1.weight", 1024);
        assertShape(g, "layers.24.weight", 10, 1024);
        assertShape(g, "layers.24.bias", 10);
        assertThat(g.output("logits").shape()).isEqualTo(Shape.of(1, 1, 1, 10));
        Graph w = graph("darknet-wide");
        assertShape(w, "layers.2.conv1.0.weight", 128, 64, 1, 1);
        assertShape(w, "layers.2.conv2.0.weight", 64, 128, 3, 3);
        assertThat(trainable(w)).isGreaterThan(trainable(g));
        // First group stride 1, the other four stride 2: 32 -> 32 -> 16 -> 8 -> 4 -> 2.
        assertThat(g.nodes().stream().filter(n -> n.name().equals("layers.18.0")).findFirst().orElseThrow().output()
                .shape()).isEqualTo(Shape.of(1, 2, 2, 1024));
    }

    @Test
    void vggHasTorchvisionsNamesAndCount() {
        Graph g = graph("vgg16");
        assertThat(trainable(g)).isEqualTo(14_714_688);
        assertShape(g, "features.0.weight", 64, 3, 3, 3);
        assertShape(g, "features.28.weight", 512, 512, 3, 3);
        assertThat(g.params()).doesNotContainKey("features.30.weight");
        assertThat(g.output("features.30").shape()).isEqualTo(Shape.of(1, 7, 7, 512));
        Graph style = new Vgg16(true, List.of(1, 6, 11, 18, 20, 25)).graph(Shape.of(1, 64, 64, 3));
        assertThat(style.outputs().keySet()).containsExactly("features.1", "features.6", "features.11", "features.18",
                "features.20", "features.25");
        assertThat(style.output("features.20").shape()).isEqualTo(Shape.of(1, 8, 8, 512));
        assertThat(style.params()).doesNotContainKey("features.28.weight");
        assertThat(style.nodes().stream().anyMatch(n -> n.op().kind().equals("pool2d_max"))).isFalse();
    }

    @Test
    void unetHasPytorchUnetsNames() {
        Graph g = graph("unet");
        assertShape(g, "inc.double_conv.0.weight", 16, 3, 3, 3);
        assertShape(g, "inc.double_conv.1.running_var", 16);
        assertShape(g, "down1.maxpool_conv.1.double_conv.0.weight", 32, 16, 3, 3);
        assertShape(g, "down4.maxpool_conv.1.double_conv.3.weight", 256, 256, 3, 3);
        assertShape(g, "up1.up.weight", 256, 128, 2, 2);
        assertShape(g, "up1.up.bias", 128);
        assertShape(g, "up1.conv.double_conv.0.weight", 128, 256, 3, 3);
        assertShape(g, "up4.conv.double_conv.3.weight", 16, 16, 3, 3);
        assertShape(g, "outc.conv.weight", 3, 16, 1, 1);
        assertThat(g.output("logits").shape()).isEqualTo(Shape.of(1, 64, 64, 3));
    }

    @Test
    void inputsTheArchitecturesCannotTakeAreRefused() {
        assertThatThrownBy(() -> ModelRegistry.architecture("unet").graph(Shape.of(1, 40, 64, 3)))
                .isInstanceOf(GannetException.class).hasMessageContaining("multiples of 16");
        assertThatThrownBy(() -> ModelRegistry.architecture("dcgan-lesson").graph(Shape.of(1, 1, 1, 10)))
                .isInstanceOf(GannetException.class).hasMessageContaining("1 x 1 x 100");
        assertThatThrownBy(() -> new Dcgan.LessonGenerator(60, 100, 3, 64, 1)).isInstanceOf(GannetException.class)
                .hasMessageContaining("multiple of 16");
        assertThatThrownBy(() -> ModelRegistry.architecture("gan9000")).isInstanceOf(GannetException.class)
                .hasMessageContaining("unknown model 'gan9000'").hasMessageContaining("dcgan-lesson")
                .hasMessageContaining("esrgan-thick");
    }
}
