package org.cortado.bench;

import java.util.Map;
import java.util.LinkedHashMap;
import org.cortado.backend.ConvGeometry;

/**
 * The sizes benchmarked, taken from real layers of AlexNet (bvlc_alexnet deploy) and SqueezeNet v1.0, by name, so
 * that the JMH parameters and the report agree on what each row measured.
 */
public final class Workloads {
    private Workloads() {
    }

    /** A matrix product {@code C (m x n) = op(A) (m x k) * op(B) (k x n)}. */
    public record GemmShape(int m, int n, int k, boolean transA, boolean transB) {
        public double flops() {
            return 2.0 * m * n * k;
        }
    }

    /** A convolution layer at batch 1: input (C, H, W), K outputs, square kernel, stride, pad, group. */
    public record ConvLayer(int channels, int height, int width, int outputs, int kernel, int stride, int pad,
                            int group) {
        public ConvGeometry geometry(int batch) {
            return new ConvGeometry(batch, channels, height, width, outputs, kernel, kernel, stride, stride, pad, pad,
                    1, 1, group);
        }
    }

    /** GEMMs as the layers issue them (convolutions: one group of one image; inner products: the whole batch). */
    public static final Map<String, GemmShape> GEMMS = new LinkedHashMap<>();
    /** Convolution layers. */
    public static final Map<String, ConvLayer> CONVS = new LinkedHashMap<>();

    static {
        GEMMS.put("alexnet-conv1", new GemmShape(96, 3025, 363, false, false));
        GEMMS.put("alexnet-conv2-group", new GemmShape(128, 729, 1200, false, false));
        GEMMS.put("alexnet-conv3", new GemmShape(384, 169, 2304, false, false));
        GEMMS.put("alexnet-fc6-b1", new GemmShape(1, 4096, 9216, false, true));
        GEMMS.put("alexnet-fc6-b16", new GemmShape(16, 4096, 9216, false, true));
        GEMMS.put("alexnet-fc7-b16", new GemmShape(16, 4096, 4096, false, true));
        GEMMS.put("alexnet-fc6-b16-dweight", new GemmShape(4096, 9216, 16, true, false));
        GEMMS.put("alexnet-fc6-b16-dinput", new GemmShape(16, 9216, 4096, false, false));
        GEMMS.put("squeezenet-fire2-expand3x3", new GemmShape(64, 3025, 144, false, false));
        GEMMS.put("square-1024", new GemmShape(1024, 1024, 1024, false, false));

        CONVS.put("alexnet-conv1", new ConvLayer(3, 227, 227, 96, 11, 4, 0, 1));
        CONVS.put("alexnet-conv2", new ConvLayer(96, 27, 27, 256, 5, 1, 2, 2));
        CONVS.put("alexnet-conv3", new ConvLayer(256, 13, 13, 384, 3, 1, 1, 1));
        CONVS.put("alexnet-conv4", new ConvLayer(384, 13, 13, 384, 3, 1, 1, 2));
        CONVS.put("alexnet-conv5", new ConvLayer(384, 13, 13, 256, 3, 1, 1, 2));
        CONVS.put("squeezenet-conv1", new ConvLayer(3, 227, 227, 96, 7, 2, 0, 1));
        CONVS.put("squeezenet-fire2-squeeze1x1", new ConvLayer(96, 55, 55, 16, 1, 1, 0, 1));
        CONVS.put("squeezenet-fire2-expand3x3", new ConvLayer(16, 55, 55, 64, 3, 1, 1, 1));
        CONVS.put("squeezenet-fire9-expand3x3", new ConvLayer(64, 13, 13, 256, 3, 1, 1, 1));
    }

    public static GemmShape gemm(String name) {
        GemmShape s = GEMMS.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown GEMM workload '" + name + "'; known: " + GEMMS.keySet());
        }
        return s;
    }

    public static ConvLayer conv(String name) {
        ConvLayer c = CONVS.get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown convolution workload '" + name + "'; known: "
                    + CONVS.keySet());
        }
        return c;
    }
}
