package org.cortado.testing;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.cortado.backend.CounterRng;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.layers.Layer;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Tensor;

/**
 * A tiny image-folder data set that a tiny net can learn in a few steps: 16x16 PNGs of horizontal stripes (class
 * "horizontal") and vertical stripes ("vertical"), random phase, colour and noise; mirroring keeps the class.
 */
public final class TinyImages {
    private TinyImages() {
    }

    /** Writes {@code root/train/<class>/*.png} ({@code perClassTrain} each) and {@code root/val/...}. */
    public static void write(Path root, int perClassTrain, int perClassVal, long seed) {
        int n = 0;
        for (String split : List.of("train", "val")) {
            int count = split.equals("train") ? perClassTrain : perClassVal;
            for (String cls : List.of("horizontal", "vertical")) {
                Path dir = root.resolve(split).resolve(cls);
                try {
                    Files.createDirectories(dir);
                    for (int i = 0; i < count; i++) {
                        ImageIO.write(stripes(cls.equals("horizontal"), CounterRng.derive(seed, n++)), "png",
                                dir.resolve(String.format("%s_%02d.png", cls, i)).toFile());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private static BufferedImage stripes(boolean horizontal, long seed) {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        int phase = CounterRng.uniformInt(seed, 0, 8);
        int base = 60 + CounterRng.uniformInt(seed, 1, 80);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                int t = ((horizontal ? y : x) + phase) % 8 < 4 ? 1 : 0;
                int noise = CounterRng.uniformInt(seed, 10 + y * 16 + x, 40);
                int v = Math.min(255, base + t * 100 + noise);
                img.setRGB(x, y, (v << 16) | ((v * 3 / 4) << 8) | (255 - v));
            }
        }
        return img;
    }

    /**
     * Writes random weights for {@link TinyNets#DEPLOY} as a caffemodel (weights N(0, 0.3^2), biases 0.1, so that
     * its ReLUs start alive), standing in for a pretrained model.
     */
    public static void writeTinyWeights(Path file, long seed) {
        Net net = Net.build(TinyNets.deploy(), Phase.TEST, new CpuBackend(1));
        Map<String, List<Tensor>> blobs = new LinkedHashMap<>();
        long k = 0;
        for (Layer l : net.layers()) {
            if (l.params().isEmpty()) {
                continue;
            }
            List<Tensor> list = new ArrayList<>();
            for (Param p : l.params()) {
                Tensor t = GradientChecker.gaussian(p.shape(), 0.3, CounterRng.derive(seed, k++));
                if (p.shape().rank() == 1) {
                    java.util.Arrays.fill(t.hostData(), 0.1f);
                }
                list.add(t);
            }
            blobs.put(l.name(), list);
        }
        CaffeModelWriter.write(file, NetProtos.proto(net.definition()), blobs);
    }
}
