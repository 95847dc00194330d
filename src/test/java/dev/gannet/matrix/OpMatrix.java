// The op matrix of DESIGN §8 layer 2: every op of Ops.ALL contributes its cases from the class
// dev.gannet.matrix.<Op>Cases (e.g. Conv2dCases for conv2d) with a static cases() method. An op
// without such a class, or a declared (dtype, variant) without a case, is a failure, not a gap.
package dev.gannet.matrix;

import dev.gannet.runtime.DType;
import dev.gannet.runtime.OpInfo;
import dev.gannet.runtime.Ops;
import java.util.ArrayList;
import java.util.List;

public final class OpMatrix {
    private OpMatrix() {}

    public static String casesClassName(String op) {
        StringBuilder b = new StringBuilder("dev.gannet.matrix.");
        for (String part : op.split("_")) b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        return b.append("Cases").toString();
    }

    @SuppressWarnings("unchecked")
    public static List<OpCase> casesOf(OpInfo op) {
        String cls = casesClassName(op.name());
        List<OpCase> cases;
        try {
            cases = (List<OpCase>) Class.forName(cls).getMethod("cases").invoke(null);
        } catch (ReflectiveOperationException e) {
            return List.of(OpCase.gap(op.name(), op.dtypes().get(0), op.variants().get(0), "(no cases)",
                    "no test cases: " + cls + ".cases() is missing (" + e + ")"));
        }
        List<OpCase> out = new ArrayList<>(cases);
        for (DType d : op.dtypes()) {
            for (String v : op.variants()) {
                boolean covered = cases.stream().anyMatch(c -> c.dtype() == d && c.variant().equals(v));
                if (!covered) {
                    out.add(OpCase.gap(op.name(), d, v, "(coverage)", "declared in Ops.ALL but no case covers it"));
                }
            }
        }
        return out;
    }

    public static List<OpCase> all() {
        List<OpCase> all = new ArrayList<>();
        for (OpInfo op : Ops.ALL) all.addAll(casesOf(op));
        return all;
    }
}
