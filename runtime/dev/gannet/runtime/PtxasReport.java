// The build's ptxas report (nvcc -Xptxas -v over kernels/gannet.cu, kept as ptxas-sm_90.txt): per
// kernel and target, registers, stack, spill stores/loads, barriers and static shared memory. Read
// by `gannet info --kernels` and by tests that hold hot kernels to zero spills.
package dev.gannet.runtime;

import dev.gannet.bindings.NativeLibraries;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public record PtxasReport(String origin, List<Kernel> kernels) {
    /** The report file the build keeps for sm_90 (beside the libraries, and in the jar). */
    public static final String FILE = "ptxas-sm_90.txt";

    public record Kernel(String name, String arch, int registers, int stackBytes, int spillStores, int spillLoads,
                         int barriers, int sharedBytes) {
        public boolean spills() {
            return spillStores > 0 || spillLoads > 0;
        }
    }

    private static final Pattern ENTRY = Pattern.compile("Compiling entry function '([^']+)' for '(\\w+)'");
    private static final Pattern PROPERTIES = Pattern.compile("Function properties for (\\S+)");
    private static final Pattern FRAME = Pattern.compile(
            "(\\d+) bytes stack frame, (\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern USED = Pattern.compile("Used (\\d+) registers");
    private static final Pattern BARRIERS = Pattern.compile("used (\\d+) barriers");
    private static final Pattern SMEM = Pattern.compile("(\\d+) bytes smem");

    /** The report of this build, or empty when it has none (nvcc was not found when it was built). */
    public static Optional<PtxasReport> ofBuild() {
        return NativeLibraries.resource(FILE)
                .map(r -> parse(new String(r.bytes(), StandardCharsets.UTF_8), r.origin()));
    }

    /** Parses nvcc's {@code -Xptxas -v} output (the lines of every entry function, any number of targets). */
    public static PtxasReport parse(String text, String origin) {
        List<Kernel> out = new ArrayList<>();
        String name = null, arch = null, properties = null;
        int regs = -1, stack = 0, stores = 0, loads = 0, barriers = 0, smem = 0;
        for (String line : text.split("\n")) {
            Matcher m = ENTRY.matcher(line);
            if (m.find()) {
                if (name != null && regs >= 0) out.add(new Kernel(name, arch, regs, stack, stores, loads, barriers, smem));
                name = m.group(1);
                arch = m.group(2);
                properties = null;
                regs = -1;
                stack = stores = loads = barriers = smem = 0;
                continue;
            }
            m = PROPERTIES.matcher(line);
            if (m.find()) {
                properties = m.group(1);
                continue;
            }
            m = FRAME.matcher(line);
            if (m.find() && name != null && name.equals(properties)) {
                stack = Integer.parseInt(m.group(1));
                stores = Integer.parseInt(m.group(2));
                loads = Integer.parseInt(m.group(3));
                continue;
            }
            m = USED.matcher(line);
            if (m.find() && name != null) {
                regs = Integer.parseInt(m.group(1));
                Matcher b = BARRIERS.matcher(line);
                barriers = b.find() ? Integer.parseInt(b.group(1)) : 0;
                Matcher s = SMEM.matcher(line);
                smem = s.find() ? Integer.parseInt(s.group(1)) : 0;
            }
        }
        if (name != null && regs >= 0) out.add(new Kernel(name, arch, regs, stack, stores, loads, barriers, smem));
        return new PtxasReport(origin, List.copyOf(out));
    }

    public Optional<Kernel> kernel(String name, String arch) {
        return kernels.stream().filter(k -> k.name().equals(name) && k.arch().equals(arch)).findFirst();
    }
}
