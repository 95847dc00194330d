// What a Plan is compiled with: its precision and the passes that run.
package dev.gannet.graph;

import java.util.EnumSet;
import java.util.Set;

public record PlanOptions(Precision precision, Set<Pass> passes) {
    public PlanOptions {
        if (precision == null) precision = Precision.FP32;
        passes = passes.isEmpty() ? EnumSet.noneOf(Pass.class) : EnumSet.copyOf(passes);
    }

    /** Every pass, in the given precision. */
    public static PlanOptions of(Precision precision) {
        return new PlanOptions(precision, EnumSet.allOf(Pass.class));
    }

    public static PlanOptions fp32() {
        return of(Precision.FP32);
    }

    public static PlanOptions fp16() {
        return of(Precision.FP16);
    }

    /** No pass at all: one launch per graph node, one buffer per tensor. */
    public static PlanOptions unfused(Precision precision) {
        return new PlanOptions(precision, EnumSet.noneOf(Pass.class));
    }

    public boolean has(Pass p) {
        return passes.contains(p);
    }

    public PlanOptions without(Pass... ps) {
        EnumSet<Pass> s = passes.isEmpty() ? EnumSet.noneOf(Pass.class) : EnumSet.copyOf(passes);
        for (Pass p : ps) s.remove(p);
        return new PlanOptions(precision, s);
    }

    public PlanOptions with(Pass... ps) {
        EnumSet<Pass> s = passes.isEmpty() ? EnumSet.noneOf(Pass.class) : EnumSet.copyOf(passes);
        for (Pass p : ps) s.add(p);
        return new PlanOptions(precision, s);
    }

    @Override
    public Set<Pass> passes() {
        return passes.isEmpty() ? EnumSet.noneOf(Pass.class) : EnumSet.copyOf(passes);
    }
}
