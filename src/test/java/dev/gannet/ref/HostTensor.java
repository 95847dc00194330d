// A dense NHWC tensor of doubles on the host: what the reference ops read and write.
package dev.gannet.ref;

import dev.gannet.runtime.Shape;

public record HostTensor(Shape shape, double[] data) {
    public HostTensor {
        if (data.length != shape.numel()) {
            throw new IllegalArgumentException(data.length + " values for shape " + shape);
        }
    }

    public static HostTensor zeros(Shape s) {
        return new HostTensor(s, new double[(int) s.numel()]);
    }

    public static HostTensor of(Shape s, float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return new HostTensor(s, d);
    }

    public int index(int n, int h, int w, int c) {
        return ((n * shape.h() + h) * shape.w() + w) * shape.c() + c;
    }

    public double get(int n, int h, int w, int c) {
        return data[index(n, h, w, c)];
    }

    public void set(int n, int h, int w, int c, double v) {
        data[index(n, h, w, c)] = v;
    }
}
