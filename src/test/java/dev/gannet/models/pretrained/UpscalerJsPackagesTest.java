// The real UpscalerJS packages through the standard store ($GANNET_HOME, fetched with npm on first
// use): the catalog's facts (scales, samples, architecture, range) hold for what the tarballs contain.
package dev.gannet.models.pretrained;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gannet.models.pretrained.UpscalerJsPackage.Architecture;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class UpscalerJsPackagesTest {
    static final Path SHARED = Path.of("..", "shared", "data", "models", "upscalerjs").toAbsolutePath().normalize();

    /** The standard store, or a skip saying why a package can be neither found nor fetched. */
    static PackageStore storeFor(UpscalerJsPackage p) {
        PackageStore s = PackageStore.standard(PackageStore.Listener.SILENT);
        assumeTrue(s.isPresent(PackageSpec.of(p)) || PackageStore.findOnPath("npm") != null, p.npmSpec()
                + " is not in " + s.root() + " and npm is not on PATH to fetch it");
        return s;
    }

    @TestFactory
    Stream<DynamicTest> everyPackageHoldsWhatTheCatalogSays() {
        return Arrays.stream(UpscalerJsPackage.values()).map(p -> DynamicTest.dynamicTest(p.modelName(), () -> {
            PackageStore s = storeFor(p);
            Path dir = s.resolve(PackageSpec.of(p));
            assertThat(dir.resolve("package.json")).content().contains("\"name\": \"@upscalerjs/" + p.modelName() + "\"")
                    .contains("\"version\": \"1.0.0\"");
            // Exactly the listed scales have a model, and exactly the listed samples exist.
            for (int scale : new int[] {2, 3, 4, 5, 6, 8}) {
                boolean model = p == UpscalerJsPackage.DEFAULT_MODEL ? scale == 2
                        && Files.isRegularFile(dir.resolve("models/model.json"))
                        : Files.isRegularFile(dir.resolve("models/x" + scale + "/model.json"));
                assertThat(model).as("%s has a %dx model", p.modelName(), scale).isEqualTo(p.scales().contains(scale));
                assertThat(Files.isRegularFile(dir.resolve("assets/samples/" + scale + "x/result.png")))
                        .as("%s has a %dx sample", p.modelName(), scale).isEqualTo(p.samples().contains(scale));
            }
            for (int scale : p.scales()) {
                UpscalerJsModel m = UpscalerJsModel.load(s, p.modelName(), scale);
                assertThat(m.scale()).isEqualTo(scale);
                assertThat(m.architecture()).isEqualTo(p.architecture());
                assertThat(m.fixture()).contains(dir.resolve("assets/fixture.png"));
                assertThat(m.sample().isPresent()).isEqualTo(p.samples().contains(scale));
            }
            // The pixel range gannet scales by is the one the package's own model definition declares.
            String def = Files.readString(dir.resolve("dist/esm/packages/shared/src/esrgan/esrgan.js"));
            assertThat(def).contains("architecture === 'rdn'").contains("inputRange: [0, 255,]")
                    .contains("inputRange: [0, 1,]");
            String meta = Files.readString(dir.resolve(p == UpscalerJsPackage.DEFAULT_MODEL
                    ? "dist/esm/models/default-model/src/index.js"
                    : "dist/esm/models/" + p.modelName() + "/src/getModelDefinition.js"));
            assertThat(meta).contains("architecture: \"" + p.architecture().name().toLowerCase() + "\"");
        }));
    }

    @Test
    void theFixtureIsTheSameInEveryPackageAndInShared() throws IOException {
        byte[] first = null;
        for (UpscalerJsPackage p : UpscalerJsPackage.values()) {
            Path dir = storeFor(p).resolve(PackageSpec.of(p));
            byte[] f = Files.readAllBytes(dir.resolve("assets/fixture.png"));
            if (first != null) assertThat(f).as("%s fixture", p.modelName()).isEqualTo(first);
            first = f;
        }
        Path shared = SHARED.resolve("esrgan-slim/assets/fixture.png");
        if (Files.isRegularFile(shared)) assertThat(Files.readAllBytes(shared)).isEqualTo(first);
    }

    @Test
    void sharedCopiesAreTheFetchedPackagesFiles() throws IOException {
        assumeTrue(Files.isDirectory(SHARED), "no ../shared/data/models/upscalerjs to compare with");
        Path slim = storeFor(UpscalerJsPackage.ESRGAN_SLIM).resolve(PackageSpec.of(UpscalerJsPackage.ESRGAN_SLIM));
        for (int s : new int[] {2, 3, 4, 8}) {
            for (String f : new String[] {"model.json", "group1-shard1of1.bin"}) {
                assertThat(Files.readAllBytes(SHARED.resolve("esrgan-slim/x" + s + "/" + f)))
                        .isEqualTo(Files.readAllBytes(slim.resolve("models/x" + s + "/" + f)));
            }
        }
    }

    @Test
    void aModelDirIsRecognisedByItsLayers() {
        UpscalerJsPackage slim = UpscalerJsPackage.ESRGAN_SLIM;
        Path dir = storeFor(slim).resolve(PackageSpec.of(slim)).resolve("models/x3");
        UpscalerJsModel m = UpscalerJsModel.fromDir(dir, null, 0);
        assertThat(m.scale()).isEqualTo(3);
        assertThat(m.architecture()).isEqualTo(Architecture.RDN);
        assertThat(m.range()).isEqualTo(255f);
        assertThat(m.fixture()).isPresent();
        assertThatThrownBy(() -> UpscalerJsModel.fromDir(dir, null, 4)).isInstanceOf(GannetException.class)
                .hasMessageContaining("upscales by 3, not 4");
        assertThatThrownBy(() -> UpscalerJsModel.fromDir(dir, "esrgan-thick", 0)).isInstanceOf(GannetException.class)
                .hasMessageContaining("RDN").hasMessageContaining("RRDN");
    }

    @Test
    void unknownNamesAndScalesListWhatExists() {
        PackageStore s = PackageStore.standard(PackageStore.Listener.SILENT);
        assertThatThrownBy(() -> UpscalerJsModel.load(s, "esrgan-huge", 4)).isInstanceOf(GannetException.class)
                .hasMessageContaining("unknown UpscalerJS model 'esrgan-huge'")
                .hasMessageContaining("esrgan-slim, esrgan-medium, esrgan-thick, default-model");
        assertThatThrownBy(() -> UpscalerJsModel.load(s, "default-model", 4)).isInstanceOf(GannetException.class)
                .hasMessageContaining("default-model has no 4x model (scales: 2)");
        assertThatThrownBy(() -> UpscalerJsModel.load(s, "esrgan-slim", 5)).isInstanceOf(GannetException.class)
                .hasMessageContaining("scales: 2, 3, 4, 8");
    }
}
