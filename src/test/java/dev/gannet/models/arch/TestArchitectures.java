// Every architecture in a configuration small enough for the model-level tests to run fast on two
// cores: the registry's configurations where they are cheap, narrower ones where they are not
// (Darknet's wide variant has about 100 million parameters at full size).
package dev.gannet.models.arch;

import dev.gannet.models.ModelRegistry;
import dev.gannet.runtime.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class TestArchitectures {
    private TestArchitectures() {}

    /** An architecture and the input it is tested on. */
    public record Case(String name, Architecture arch, Shape input) {
        @Override
        public String toString() {
            return name + " " + arch.describe() + " on " + input;
        }
    }

    /** One case per registry architecture, in the registry's order. */
    public static List<Case> all() {
        Map<String, Case> m = new LinkedHashMap<>();
        for (String name : ModelRegistry.names()) {
            if (!ModelRegistry.isArchitecture(name)) continue;
            Architecture a = ModelRegistry.architecture(name);
            Case c = switch (name) {
                case "darknet" -> new Case(name, new Darknet(List.of(1, 2, 1), 10, 16, false), Shape.of(2, 32, 32, 3));
                case "darknet-wide" -> new Case(name, new Darknet(List.of(1, 2, 1), 10, 16, true), Shape.of(2, 32, 32, 3));
                case "cyclegan" -> new Case(name, new ResnetGenerator(3, 3, 16, 3), Shape.of(2, 32, 28, 3));
                case "transformer-net", "vgg16", "vgg16-avg" -> new Case(name, a, Shape.of(1, 32, 36, 3));
                case "unet" -> new Case(name, a, Shape.of(2, 32, 48, 3));
                default -> new Case(name, a, a.defaultInput(2));
            };
            m.put(name, c);
        }
        return List.copyOf(m.values());
    }
}
