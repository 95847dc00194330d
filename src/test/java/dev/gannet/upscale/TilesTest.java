// Tile geometry: the kept parts partition the image, every tile has the same size, and whatever a tile
// keeps has the full margin of real image around it unless it touches the image edge.
package dev.gannet.upscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.runtime.GannetException;
import org.junit.jupiter.api.Test;

class TilesTest {
    @Test
    void keptPartsPartitionTheImageWithFullMargins() {
        int[][] cases = {{512, 512, 128, 11}, {2000, 1500, 256, 11}, {129, 300, 128, 11}, {1000, 37, 64, 5},
                {23, 23, 24, 11}, {400, 401, 100, 0}, {97, 61, 23, 11}};
        for (int[] c : cases) {
            int w = c[0], h = c[1], t = c[2], m = c[3];
            Tiles p = Tiles.plan(w, h, t, m);
            int[] covered = new int[w * h];
            for (Tiles.Tile tile : p.tiles()) {
                assertThat(tile.w()).as("%s width", tile).isEqualTo(Math.min(t, w));
                assertThat(tile.h()).as("%s height", tile).isEqualTo(Math.min(t, h));
                assertThat(tile.x() >= 0 && tile.y() >= 0 && tile.x() + tile.w() <= w && tile.y() + tile.h() <= h)
                        .as("%s inside %dx%d", tile, w, h).isTrue();
                int left = tile.keepX() - tile.x(), top = tile.keepY() - tile.y();
                int right = tile.x() + tile.w() - tile.keepX() - tile.keepW();
                int bottom = tile.y() + tile.h() - tile.keepY() - tile.keepH();
                assertThat(left >= m || tile.x() == 0).as("%s left margin", tile).isTrue();
                assertThat(top >= m || tile.y() == 0).as("%s top margin", tile).isTrue();
                assertThat(right >= m || tile.x() + tile.w() == w).as("%s right margin", tile).isTrue();
                assertThat(bottom >= m || tile.y() + tile.h() == h).as("%s bottom margin", tile).isTrue();
                assertThat(right >= 0 && bottom >= 0 && left >= 0 && top >= 0).isTrue();
                for (int y = tile.keepY(); y < tile.keepY() + tile.keepH(); y++) {
                    for (int x = tile.keepX(); x < tile.keepX() + tile.keepW(); x++) covered[y * w + x]++;
                }
            }
            int wrong = 0;
            for (int v : covered) if (v != 1) wrong++;
            assertThat(wrong).as("pixels of %dx%d (tile %d) not kept exactly once", w, h, t).isZero();
        }
    }

    @Test
    void noTilingWhenTheImageFitsOrTileIsZero() {
        assertThat(Tiles.plan(100, 80, 128, 11).tiled()).isFalse();
        assertThat(Tiles.plan(1000, 800, 0, 11).tiled()).isFalse();
        assertThat(Tiles.plan(2000, 1500, 256, 11).tiles()).hasSize(9 * 7);
    }

    @Test
    void aTileThatKeepsNothingIsRefusedWithAHint() {
        assertThatThrownBy(() -> Tiles.plan(500, 500, 22, 11)).isInstanceOf(GannetException.class)
                .hasMessageContaining("--tile 22").hasMessageContaining("larger than 22");
    }
}
