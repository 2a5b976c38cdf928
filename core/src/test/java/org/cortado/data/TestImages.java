package org.cortado.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes small synthetic image files for data-set tests. */
public final class TestImages {
    private TestImages() {
    }

    /** A {@code w x h} PNG (or other ImageIO format by extension) filled with grey {@code value}. */
    public static Path grey(Path file, int w, int h, int value) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, value * 0x010101);
            }
        }
        return save(img, file);
    }

    /**
     * A {@code w x h} image of stripes: vertical stripes, blue on dark, for class 0, horizontal, red on dark, for
     * class 1, with a per-image phase and brightness from {@code variant}, so that images differ within a class but a
     * linear head on CNN codes can tell the classes apart.
     */
    public static Path stripes(Path file, int w, int h, int kind, int variant) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int period = 4 + variant % 3;
        int bright = 150 + 20 * (variant % 5);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int along = kind == 0 ? x : y;
                boolean on = (along + variant) % period < period / 2;
                int v = on ? bright : 30;
                int rgb = kind == 0 ? (40 << 16) | (60 << 8) | v : (v << 16) | (60 << 8) | 40;
                img.setRGB(x, y, rgb);
            }
        }
        return save(img, file);
    }

    /**
     * An image-folder data set under {@code root}: classes {@code stripes_v} and {@code stripes_h} with
     * {@code perClass} 20x18 PNG images each, variants {@code first, first + 1, ...}.
     */
    public static Path stripeFolders(Path root, int perClass, int first) {
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < perClass; i++) {
                stripes(root.resolve(k == 0 ? "stripes_v" : "stripes_h").resolve(String.format("img%02d.png", i)), 20,
                        18, k, first + i);
            }
        }
        return root;
    }

    private static Path save(BufferedImage img, Path file) {
        String name = file.getFileName().toString();
        String format = name.substring(name.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
        try {
            Files.createDirectories(file.getParent());
            if (!ImageIO.write(img, format.equals("jpg") ? "jpeg" : format, file.toFile())) {
                throw new IllegalArgumentException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
