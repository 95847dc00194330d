// An NHWC shape. Every activation tensor is 4-D; vectors are (1,1,1,C), matrices (1,1,R,C).
package dev.gannet.runtime;

public record Shape(int n, int h, int w, int c) {
    public Shape {
        if (n < 0 || h < 0 || w < 0 || c < 0) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    "shape " + n + "x" + h + "x" + w + "x" + c + " has a negative dimension");
        }
    }

    public static Shape of(int n, int h, int w, int c) {
        return new Shape(n, h, w, c);
    }

    /** Parses "NxHxWxC". */
    public static Shape parse(String s) {
        String[] p = s.trim().split("x");
        if (p.length != 4) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "shape '" + s + "' is not NxHxWxC");
        }
        try {
            return new Shape(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]),
                    Integer.parseInt(p[3]));
        } catch (NumberFormatException e) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "shape '" + s + "' is not NxHxWxC");
        }
    }

    public long numel() {
        return (long) n * h * w * c;
    }

    public int dim(int i) {
        return switch (i) {
            case 0 -> n;
            case 1 -> h;
            case 2 -> w;
            case 3 -> c;
            default -> throw new IndexOutOfBoundsException(i);
        };
    }

    /** Dense NHWC strides in elements. */
    public long[] denseStrides() {
        return new long[] {(long) h * w * c, (long) w * c, c, 1};
    }

    @Override
    public String toString() {
        return n + "x" + h + "x" + w + "x" + c;
    }
}
