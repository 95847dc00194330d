// Finds the CUDA face of an op by name: dev.gannet.ops.cuda.<CamelCase op>Cuda with a public
// no-argument constructor (conv_transpose2d -> ConvTranspose2dCuda, conv_pack -> ConvPackCuda).
package dev.gannet.ops.cuda;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

public final class CudaOps {
    private static final ConcurrentHashMap<String, Optional<CudaOp>> CACHE = new ConcurrentHashMap<>();

    private CudaOps() {}

    public static Optional<CudaOp> find(String op) {
        return CACHE.computeIfAbsent(op, CudaOps::load);
    }

    public static String className(String op) {
        StringBuilder b = new StringBuilder(CudaOps.class.getPackageName()).append('.');
        for (String part : op.split("_")) {
            if (!part.isEmpty()) b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return b.append("Cuda").toString();
    }

    private static Optional<CudaOp> load(String op) {
        try {
            Class<?> c = Class.forName(className(op));
            return Optional.of((CudaOp) c.getDeclaredConstructor().newInstance());
        } catch (ClassNotFoundException e) {
            return Optional.empty();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("cannot instantiate " + className(op) + ": " + e, e);
        }
    }
}
