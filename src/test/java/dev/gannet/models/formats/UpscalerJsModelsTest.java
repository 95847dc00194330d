// Loads every UpscalerJS model under ../shared/data/models/upscalerjs and checks the description
// against facts computed here independently: layer counts, channels along the graph, scale, bytes.
package dev.gannet.models.formats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gannet.ops.Activation;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class UpscalerJsModelsTest {
    static final Path ROOT = Path.of("..", "shared", "data", "models", "upscalerjs").toAbsolutePath().normalize();

    /** Counted with a separate JSON tool from the published model.json files (all five share the RDN layout). */
    static final Map<String, Integer> SLIM_COUNTS = Map.of("Conv2D", 12, "Activation", 4, "Concatenate", 3, "Add", 3,
            "InputLayer", 1, "UpSampling2D", 1);

    /** Parameter counts: the sum of the manifests' shape products, equal to each shard's size / 4. */
    static final Map<String, Long> PARAMS = Map.of("esrgan-slim/x2", 222_075L, "esrgan-slim/x3", 226_815L,
            "esrgan-slim/x4", 233_451L, "esrgan-slim/x8", 278_955L, "default-model", 222_075L);

    static List<Path> modelDirs() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(ROOT),
                "the UpscalerJS models are not at " + ROOT + " (../shared beside the project holds them)");
        try (Stream<Path> s = Files.walk(ROOT, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            return s.filter(p -> p.getFileName().toString().equals("model.json")).map(Path::getParent).sorted()
                    .toList();
        }
    }

    static String id(Path dir) {
        return ROOT.relativize(dir).toString().replace('\\', '/');
    }

    /** The scale a model is published for: its folder is xN, and default-model is the 2x RDN (SOURCES.md). */
    static int expectedScale(Path dir) {
        Matcher m = Pattern.compile("x(\\d+)").matcher(dir.getFileName().toString());
        if (m.matches()) return Integer.parseInt(m.group(1));
        assertThat(id(dir)).isEqualTo("default-model");
        return 2;
    }

    @Test
    void allPublishedModelsArePresent() throws IOException {
        assertThat(modelDirs().stream().map(UpscalerJsModelsTest::id).toList()).containsAll(PARAMS.keySet());
    }

    @TestFactory
    Stream<DynamicTest> everyModelLoadsAndIsConsistent() throws IOException {
        return modelDirs().stream().map(dir -> DynamicTest.dynamicTest(id(dir), () -> check(dir)));
    }

    private static void check(Path dir) throws IOException {
        TfjsModel m = TfjsModel.load(dir);
        String id = id(dir);

        Map<String, Integer> counts = new TreeMap<>();
        for (Layer l : m.layers()) counts.merge(l.className(), 1, Integer::sum);
        if (PARAMS.containsKey(id)) {
            assertThat(counts).as(id + " layer counts").isEqualTo(SLIM_COUNTS);
            assertThat(m.parameterCount()).as(id + " parameters").isEqualTo(PARAMS.get(id));
        }
        assertThat(m.parameterCount() * 4).as("parameters fill the shards").isEqualTo(shardBytes(dir));

        // Topological order: every input is listed before its consumer.
        Set<String> seen = new HashSet<>();
        for (Layer l : m.layers()) {
            for (NodeRef r : l.inbound()) assertThat(seen).as(l.name() + " after its input").contains(r.layer());
            seen.add(l.name());
        }

        // Channels and scale propagated here, independently of the reader's own inference.
        Map<String, Integer> ch = new HashMap<>();
        Map<String, Integer> scale = new HashMap<>();
        for (Layer l : m.layers()) {
            List<Integer> inC = new ArrayList<>();
            List<Integer> inS = new ArrayList<>();
            for (NodeRef r : l.inbound()) {
                inC.add(ch.get(r.layer()));
                inS.add(scale.get(r.layer()));
            }
            int c, s;
            switch (l.config()) {
                case LayerConfig.InputLayer i -> {
                    c = i.channels();
                    s = 1;
                }
                case LayerConfig.Conv2D conv -> {
                    assertThat(m.kernel(l.name()).shape()).as(l.name() + " kernel HWIO")
                            .containsExactly(conv.kernelH(), conv.kernelW(), inC.get(0), conv.filters());
                    if (conv.useBias()) {
                        assertThat(m.bias(l.name()).orElseThrow().shape()).containsExactly(conv.filters());
                    }
                    assertThat(conv.strideH()).isEqualTo(1);
                    assertThat(conv.strideW()).isEqualTo(1);
                    // Spatial size is kept: 'same', or a 1x1 window where 'valid' is the same thing (LFF_n).
                    if (conv.kernelH() != 1 || conv.kernelW() != 1) {
                        assertThat(conv.padding()).as(l.name()).isEqualTo(LayerConfig.Padding.SAME);
                    }
                    c = conv.filters();
                    s = inS.get(0);
                }
                case LayerConfig.Concatenate cat -> {
                    c = inC.stream().mapToInt(Integer::intValue).sum();
                    assertThat(Set.copyOf(inS)).hasSize(1);
                    s = inS.get(0);
                }
                case LayerConfig.Add add -> {
                    assertThat(Set.copyOf(inC)).as(l.name() + " adds equal channel counts").hasSize(1);
                    assertThat(Set.copyOf(inS)).hasSize(1);
                    c = inC.get(0);
                    s = inS.get(0);
                }
                case LayerConfig.PixelShuffle p -> {
                    assertThat(inC.get(0) % (p.block() * p.block())).isZero();
                    c = inC.get(0) / (p.block() * p.block());
                    s = inS.get(0) * p.block();
                }
                case LayerConfig.UpSampling2D u -> {
                    assertThat(u.sizeH()).isEqualTo(u.sizeW());
                    c = inC.get(0);
                    s = inS.get(0) * u.sizeH();
                }
                default -> {
                    assertThat(inC).hasSize(1);
                    c = inC.get(0);
                    s = inS.get(0);
                }
            }
            ch.put(l.name(), c);
            scale.put(l.name(), s);
            assertThat(m.channels(l.name())).as(l.name() + " channels").isEqualTo(c);
        }
        assertThat(m.inputs()).hasSize(1);
        assertThat(m.outputs()).hasSize(1);
        String out = m.outputs().get(0).layer();
        assertThat(ch.get(out)).as("RGB output").isEqualTo(3);
        assertThat(ch.get(m.inputs().get(0).layer())).as("RGB input").isEqualTo(3);
        assertThat(scale.get(out)).as(id + " upscale factor").isEqualTo(expectedScale(dir));

        checkWeightBytes(dir, m);
    }

    private static long shardBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            long n = 0;
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".bin")).toList()) n += Files.size(p);
            return n;
        }
    }

    /** Every value equals the raw little-endian float at the offset the manifest order implies. */
    private static void checkWeightBytes(Path dir, TfjsModel m) throws IOException {
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("model.json").toFile()).get("weightsManifest");
        for (JsonNode group : manifest) {
            var bytes = new java.io.ByteArrayOutputStream();
            for (JsonNode p : group.get("paths")) bytes.write(Files.readAllBytes(dir.resolve(p.asText())));
            ByteBuffer all = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            int offset = 0;
            for (JsonNode w : group.get("weights")) {
                float[] values = m.weight(w.get("name").asText()).toArray();
                int[] got = new int[values.length];
                int[] want = new int[values.length];
                for (int i = 0; i < values.length; i++) {
                    got[i] = Float.floatToRawIntBits(values[i]);
                    want[i] = all.getInt(offset);
                    offset += 4;
                }
                assertThat(got).as(w.get("name").asText()).isEqualTo(want);
            }
            assertThat(offset).isEqualTo(all.capacity());
        }
    }

    @Test
    void slimX4ConfigsAreTyped() {
        TfjsModel m = TfjsModel.load(ROOT.resolve("esrgan-slim/x4"));
        assertThat(m.name()).isEqualTo("generator");
        assertThat(m.inputs()).containsExactly(new NodeRef("LR", 0, 0));
        assertThat(m.outputs()).containsExactly(new NodeRef("SR", 0, 0));
        assertThat(m.layer("LR").config()).isEqualTo(new LayerConfig.InputLayer(-1, -1, 3));
        assertThat(m.layer("UPN1").config()).isEqualTo(new LayerConfig.Conv2D(64, 5, 5, 1, 1,
                LayerConfig.Padding.SAME, 1, 1, Activation.NONE, true));
        assertThat(m.layer("F_1_1_Relu").config()).isEqualTo(new LayerConfig.ActivationLayer(Activation.RELU));
        assertThat(m.layer("UPsample").config()).isEqualTo(new LayerConfig.UpSampling2D(4, 4));
        assertThat(m.layer("RDB_Concat_1_1").inbound()).containsExactly(new NodeRef("F_0", 0, 0),
                new NodeRef("F_1_1_Relu", 0, 0));
        assertThat(m.layer("LFF_1").config()).isInstanceOfSatisfying(LayerConfig.Conv2D.class,
                c -> assertThat(List.of(c.kernelH(), c.kernelW(), c.filters())).containsExactly(1, 1, 64));
        assertThat(m.kernel("LFF_1").shape()).containsExactly(1, 1, 68, 64);
    }

    @Test
    void kernelsConvertFromHwioToOhwi() {
        TfjsModel m = TfjsModel.load(ROOT.resolve("esrgan-slim/x2"));
        Weight k = m.kernel("UPN2"); // 3 x 3 x 64 x 32: every dimension distinct from its neighbour
        int r = 3, s = 3, c = 64, kk = 32;
        assertThat(k.shape()).containsExactly(r, s, c, kk);
        float[] hwio = k.toArray();
        float[] ohwi = k.toOhwi();
        for (int o = 0; o < kk; o++)
            for (int y = 0; y < r; y++)
                for (int x = 0; x < s; x++)
                    for (int i = 0; i < c; i++)
                        assertThat(ohwi[((o * r + y) * s + x) * c + i]).isEqualTo(hwio[((y * s + x) * c + i) * kk + o]);
    }

    @Test
    void weightsUploadInGannetsLayouts() {
        TfjsModel m = TfjsModel.load(ROOT.resolve("esrgan-slim/x2")); // SR/kernel is [3, 3, 12, 3] in the manifest
        try (CpuDevice cpu = new CpuDevice(); DeviceArena arena = cpu.newArena("formats-test")) {
            Tensor k = m.kernel("SR").toOhwiTensor(arena, DType.F32);
            assertThat(k.shape()).isEqualTo(Shape.of(3, 3, 3, 12)); // K=3 outputs, 3x3 window, C=12
            assertThat(k.toFloatArray()).containsExactly(m.kernel("SR").toOhwi());
            Tensor h = m.kernel("SR").toOhwiTensor(arena, DType.F16);
            float[] ohwi = m.kernel("SR").toOhwi();
            float[] half = h.toFloatArray();
            for (int i = 0; i < ohwi.length; i++) {
                assertThat(half[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(ohwi[i])));
            }
            Tensor b = m.bias("SR").orElseThrow().toVector(arena);
            assertThat(b.shape()).isEqualTo(Shape.of(1, 1, 1, 3));
            assertThat(b.dtype()).isEqualTo(DType.F32);
            assertThat(b.toFloatArray()).containsExactly(m.bias("SR").orElseThrow().toArray());
        }
    }

    @Test
    void weightsAreImmutable() {
        TfjsModel m = TfjsModel.load(ROOT.resolve("esrgan-slim/x2").resolve("model.json"));
        Weight b = m.weight("SR/bias");
        assertThat(b.data().isReadOnly()).isTrue();
        float first = b.data().get(0);
        b.toArray()[0] = first + 1;
        assertThat(b.data().get(0)).isEqualTo(first);
        assertThat(m.bias("SR")).contains(b);
    }
}
