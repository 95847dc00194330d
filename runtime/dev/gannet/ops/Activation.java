// The activations kernels fuse (gk_act): none, relu, leaky(alpha), tanh, sigmoid.
package dev.gannet.ops;

public record Activation(Kind kind, float alpha) {
    public enum Kind {
        NONE(0), RELU(1), LEAKY(2), TANH(3), SIGMOID(4);

        final int code;

        Kind(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    public static final Activation NONE = new Activation(Kind.NONE, 0f);
    public static final Activation RELU = new Activation(Kind.RELU, 0f);
    public static final Activation TANH = new Activation(Kind.TANH, 0f);
    public static final Activation SIGMOID = new Activation(Kind.SIGMOID, 0f);

    public static Activation leaky(float alpha) {
        return new Activation(Kind.LEAKY, alpha);
    }

    public int code() {
        return kind.code;
    }

    /** The activation applied to one value, in double (what reference code and folding use). */
    public double apply(double v) {
        return switch (kind) {
            case NONE -> v;
            case RELU -> v > 0 ? v : 0;
            case LEAKY -> v < 0 ? alpha * v : v;
            case TANH -> Math.tanh(v);
            case SIGMOID -> 1 / (1 + Math.exp(-v));
        };
    }

    @Override
    public String toString() {
        return kind == Kind.LEAKY ? "leaky(" + alpha + ")" : kind.name().toLowerCase();
    }
}
