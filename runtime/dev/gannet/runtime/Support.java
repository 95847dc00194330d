// Whether a device supports an (op, dtype, variant) case, with the reason when it does not; tests
// report unsupported cases as skipped with this reason, never as passed.
package dev.gannet.runtime;

public record Support(boolean supported, String reason) {
    public static final Support YES = new Support(true, "");

    public static Support no(String reason) {
        return new Support(false, reason);
    }

    public record Entry(String op, DType dtype, String variant, Support support) {}
}
