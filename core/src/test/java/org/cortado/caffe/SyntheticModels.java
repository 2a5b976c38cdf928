package org.cortado.caffe;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Caffemodels of real nets' sizes with synthetic values, for the size and speed tests; also a main program that a
 * test runs in a JVM of limited heap.
 */
final class SyntheticModels {
    /** AlexNet's parameter shapes (60,965,224 values, a 244 MB caffemodel). */
    static final Map<String, int[][]> ALEXNET = shapes(
            "conv1", new int[][] {{96, 3, 11, 11}, {96}},
            "conv2", new int[][] {{256, 48, 5, 5}, {256}},
            "conv3", new int[][] {{384, 256, 3, 3}, {384}},
            "conv4", new int[][] {{384, 192, 3, 3}, {384}},
            "conv5", new int[][] {{256, 192, 3, 3}, {256}},
            "fc6", new int[][] {{4096, 9216}, {4096}},
            "fc7", new int[][] {{4096, 4096}, {4096}},
            "fc8", new int[][] {{1000, 4096}, {1000}});

    /** VGG16's parameter shapes (138M values, 528 MB) and one more 4096x4096 layer: about 600 MB. */
    static final Map<String, int[][]> VGG16_PLUS = vggPlus();

    private SyntheticModels() {
    }

    /** The number of values in a model. */
    static long count(Map<String, int[][]> model) {
        long n = 0;
        for (int[][] blobs : model.values()) {
            for (int[] dims : blobs) {
                n += Shape.of(dims).count();
            }
        }
        return n;
    }

    /** The value at {@code index} of blob {@code blob} of layer {@code layer}: cheap, exact, position-dependent. */
    static float value(int layer, int blob, int index) {
        return ((index * 31L + layer * 7L + blob * 3L) % 1000) / 1000f - 0.5f;
    }

    /** Writes a model of the given shapes filled with {@link #value}; returns the number of values. */
    static long write(Path file, Map<String, int[][]> model) {
        List<LayerParameter> layers = new ArrayList<>();
        Map<String, List<Tensor>> blobs = new LinkedHashMap<>();
        long total = 0;
        int l = 0;
        for (Map.Entry<String, int[][]> e : model.entrySet()) {
            layers.add(LayerParameter.newBuilder().setName(e.getKey())
                    .setType(e.getKey().startsWith("fc") ? "InnerProduct" : "Convolution").build());
            List<Tensor> tensors = new ArrayList<>();
            for (int b = 0; b < e.getValue().length; b++) {
                Shape shape = Shape.of(e.getValue()[b]);
                float[] data = new float[shape.count()];
                for (int i = 0; i < data.length; i++) {
                    data[i] = value(l, b, i);
                }
                tensors.add(Tensor.wrap(shape, data));
                total += data.length;
            }
            blobs.put(e.getKey(), tensors);
            l++;
        }
        CaffeModelWriter.write(file, "synthetic", layers, blobs);
        return total;
    }

    /** Reads {@code file} and checks every value against {@link #value}; returns the number of values. */
    static long readAndCheck(Path file, Map<String, int[][]> model) {
        CaffeWeights w = CaffeModelReader.read(file);
        long total = 0;
        int l = 0;
        for (Map.Entry<String, int[][]> e : model.entrySet()) {
            List<WeightBlob> blobs = w.layer(e.getKey()).orElseThrow().blobs();
            for (int b = 0; b < e.getValue().length; b++) {
                WeightBlob blob = blobs.get(b);
                if (!blob.shape().equals(Shape.of(e.getValue()[b]))) {
                    throw new AssertionError(e.getKey() + " blob " + b + " has shape " + blob.shape());
                }
                float[] data = blob.data();
                for (int i = 0; i < data.length; i++) {
                    if (data[i] != value(l, b, i)) {
                        throw new AssertionError(e.getKey() + " blob " + b + " [" + i + "] = " + data[i]);
                    }
                }
                total += data.length;
            }
            l++;
        }
        return total;
    }

    /** The sum of the peak usages of the heap's pools: an upper bound of the heap's peak. */
    static long peakHeapBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    /** {@code write FILE} or {@code read FILE}, on the VGG16-plus model; prints what it did and the peak heap. */
    public static void main(String[] args) {
        Path file = Path.of(args[1]);
        long start = System.nanoTime();
        long values = args[0].equals("write") ? write(file, VGG16_PLUS) : readAndCheck(file, VGG16_PLUS);
        System.out.printf("%s %d values in %.2f s, peak heap %d MB%n", args[0], values,
                (System.nanoTime() - start) / 1e9, peakHeapBytes() >> 20);
    }

    private static Map<String, int[][]> vggPlus() {
        Map<String, int[][]> m = new LinkedHashMap<>();
        int[][] convs = {{64, 3}, {64, 64}, {128, 64}, {128, 128}, {256, 128}, {256, 256}, {256, 256}, {512, 256},
                {512, 512}, {512, 512}, {512, 512}, {512, 512}, {512, 512}};
        for (int i = 0; i < convs.length; i++) {
            m.put("conv" + i, new int[][] {{convs[i][0], convs[i][1], 3, 3}, {convs[i][0]}});
        }
        m.put("fc6", new int[][] {{4096, 25088}, {4096}});
        m.put("fc7", new int[][] {{4096, 4096}, {4096}});
        m.put("fc7b", new int[][] {{4096, 4096}, {4096}});
        m.put("fc8", new int[][] {{1000, 4096}, {1000}});
        return m;
    }

    private static Map<String, int[][]> shapes(Object... nameThenShapes) {
        Map<String, int[][]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenShapes.length; i += 2) {
            m.put((String) nameThenShapes[i], (int[][]) nameThenShapes[i + 1]);
        }
        return m;
    }
}
