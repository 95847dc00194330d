// Offers ModelRegistry's models (the seed architectures with random or given weights, and the
// UpscalerJS packages from the package store, fetched on first use) to `gannet plan` through
// ModelCatalog, ahead of its directory provider.
package dev.gannet.models;

import dev.gannet.graph.Graph;
import dev.gannet.models.arch.Architecture;
import dev.gannet.models.pretrained.PackageStore;
import dev.gannet.models.pretrained.UpscalerJsModel;
import dev.gannet.models.pretrained.UpscalerJsPackage;
import dev.gannet.runtime.Shape;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

public final class RegistryProvider implements ModelCatalog.Provider {
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private final PackageStore.Listener listener;

    public RegistryProvider(PackageStore.Listener listener) {
        this.listener = listener;
    }

    /** Registers a provider with ModelCatalog once per JVM (the CLI calls this at start-up). */
    public static void install(PackageStore.Listener listener) {
        if (INSTALLED.compareAndSet(false, true)) ModelCatalog.register(new RegistryProvider(listener));
    }

    @Override
    public Optional<ModelSource> find(String name, int scale) {
        if (UpscalerJsPackage.isKnown(name)) {
            UpscalerJsPackage p = UpscalerJsPackage.byName(name);
            p.checkScale(scale);
            return Optional.of(new ModelSource() {
                private UpscalerJsModel model;

                public String name() {
                    return name;
                }

                public int scale() {
                    return scale;
                }

                public String origin() {
                    return p.npmSpec() + " in " + PackageStore.standard(listener).dir(
                            dev.gannet.models.pretrained.PackageSpec.of(p));
                }

                public Graph graph(Shape input) {
                    if (model == null) model = UpscalerJsModel.load(PackageStore.standard(listener), name, scale);
                    return ModelRegistry.upscalerGraph(model, input);
                }
            });
        }
        if (!ModelRegistry.isArchitecture(name)) return Optional.empty();
        Architecture a = ModelRegistry.architecture(name);
        return Optional.of(new ModelSource() {
            public String name() {
                return name;
            }

            public int scale() {
                return 1;
            }

            public String origin() {
                return a.describe() + ", PyTorch-default random weights (seed 0)";
            }

            /** The size applies to image inputs; a generator's noise input keeps its own shape. */
            public Graph graph(Shape input) {
                Shape d = a.defaultInput(input.n());
                Shape in = d.h() == 1 && d.w() == 1 ? d : Shape.of(input.n(), input.h(), input.w(), d.c());
                return ModelRegistry.graph(ModelRegistry.Request.of(name).withBatch(input.n())
                        .withSize(in.w(), in.h()), PackageStore.standard(listener));
            }
        });
    }

    @Override
    public List<String> names() {
        return ModelRegistry.names();
    }

    @Override
    public String describe() {
        return "gannet's architectures and the UpscalerJS packages (" + PackageStore.standard(listener).root() + ")";
    }
}
