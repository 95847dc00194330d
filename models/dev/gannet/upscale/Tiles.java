// How an image is cut into overlapping tiles of one size for a model that only looks at a bounded
// neighbourhood of each pixel: every tile is run whole, and only the part of its output whose inputs
// all lay inside the tile is kept, so the stitched result equals the untiled one.
package dev.gannet.upscale;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.util.ArrayList;
import java.util.List;

/**
 * Along each axis the kept intervals partition the image; the first tile keeps {@code [0, T - M)}, each
 * next one the following {@code T - 2M} pixels, the last one up to the end. A tile starts {@code M} before
 * what it keeps, shifted inwards at the image's far edge, so that every tile has the same size
 * {@code T} (or the image's size, when that is smaller): one compiled plan serves them all. Whatever a
 * tile keeps then has at least {@code M} pixels of real image around it, or the image edge, where the
 * untiled run sees the same padding.
 *
 * @param tile  the tile side T in input pixels (the memory bound)
 * @param margin M, the model's receptive-field radius in input pixels (rounded up)
 */
public record Tiles(int width, int height, int tile, int margin, List<Tile> tiles) {
    /** One tile: the input window it runs on, and the part of it that is kept, in input pixels. */
    public record Tile(int x, int y, int w, int h, int keepX, int keepY, int keepW, int keepH) {}

    public static Tiles plan(int width, int height, int tile, int margin) {
        if (width <= 0 || height <= 0) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "cannot tile an empty " + width + "x" + height
                    + " image");
        }
        if (margin < 0) throw new GannetException(ErrorCode.INVALID_ARGUMENT, "tile margin " + margin + " < 0");
        boolean needed = tile > 0 && (width > tile || height > tile);
        if (needed && tile <= 2 * margin) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "--tile " + tile + " leaves nothing to keep: "
                    + "each tile overlaps its neighbours by " + margin + " pixels on every side (the model's "
                    + "receptive field), so the tile must be larger than " + 2 * margin + "; try --tile "
                    + Math.max(256, 4 * margin));
        }
        List<int[]> xs = axis(width, tile, margin), ys = axis(height, tile, margin);
        List<Tile> out = new ArrayList<>(xs.size() * ys.size());
        for (int[] y : ys) {
            for (int[] x : xs) out.add(new Tile(x[0], y[0], x[1], y[1], x[2], y[2], x[3], y[3]));
        }
        return new Tiles(width, height, tile, margin, List.copyOf(out));
    }

    /** {start, length, keepStart, keepLength} per tile along one axis of length {@code len}. */
    static List<int[]> axis(int len, int tile, int margin) {
        if (tile <= 0 || len <= tile) return List.of(new int[] {0, len, 0, len});
        List<int[]> out = new ArrayList<>();
        int core = tile - 2 * margin;
        int keep0 = 0, keep1 = tile - margin;
        while (true) {
            if (keep1 >= len) keep1 = len;
            int start = Math.clamp(keep0 - margin, 0, len - tile);
            out.add(new int[] {start, tile, keep0, keep1 - keep0});
            if (keep1 == len) return out;
            keep0 = keep1;
            keep1 = keep0 + core;
        }
    }

    public boolean tiled() {
        return tiles.size() > 1;
    }

    @Override
    public String toString() {
        if (!tiled()) return "in one piece";
        return tiles.size() + (tiles.size() == 1 ? " tile" : " tiles") + " of " + tiles.getFirst().w() + "x"
                + tiles.getFirst().h() + " (overlap " + margin + ")";
    }
}
