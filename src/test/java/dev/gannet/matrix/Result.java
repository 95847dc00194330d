// Outcome of one op-matrix case. Unsupported cases are Skipped with a reason, never Passed.
package dev.gannet.matrix;

public sealed interface Result {
    String detail();

    record Passed(String detail) implements Result {}

    record Failed(String detail) implements Result {}

    record Skipped(String detail) implements Result {}
}
