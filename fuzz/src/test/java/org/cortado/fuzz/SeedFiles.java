package org.cortado.fuzz;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.caffe.MeanFile;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.BlobProto;
import org.cortado.caffe.proto.Caffe.BlobShape;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.V1LayerParameter;
import org.cortado.image.ImageSeeds;
import org.cortado.io.Npy;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.Hdf5Files;
import org.cortado.testing.TinyNet;

/**
 * Writes the small seed files kept in the test resources ({@code <Target>Inputs/<method>/seed-*}): one or a few of
 * each variant that the readers distinguish (V1 and V2 caffemodels, packed and unpacked values, legacy and shaped
 * blobs; npy versions and dtypes; the images of {@link ImageSeeds}), each a few hundred bytes, so that the fuzzer
 * starts at every branch's doorstep. The files are committed; after changing this, rewrite them from the repository
 * root:
 * <pre>
 * mvn -B -q -pl core,fuzz test-compile
 * mvn -B -q -pl fuzz dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp "fuzz/target/test-classes:core/target/classes:core/target/test-classes:$(cat fuzz/target/cp.txt)" \
 *     org.cortado.fuzz.SeedFiles fuzz/src/test/resources/org/cortado/fuzz
 * </pre>
 * The arithmetic-coded and restart-marker JPEGs need libjpeg-turbo's {@code jpegtran} on the path; without it they
 * are left as they are.
 */
public final class SeedFiles {
    private SeedFiles() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : "fuzz/src/test/resources/org/cortado/fuzz");
        caffemodels(dir(root, "CaffeModelFuzzTest", "readCaffeModel"));
        prototxts(dir(root, "PrototxtFuzzTest", "buildNet"));
        npys(dir(root, "NpyFuzzTest", "readNpy"));
        meanFiles(dir(root, "MeanFileFuzzTest", "readMeanFile"));
        hdf5s(dir(root, "Hdf5FuzzTest", "readHdf5"));
        ImageSeeds.jpegs(dir(root, "NativeJpegFuzzTest", "decodeJpeg"));
        Path images = dir(root, "ImageIoFuzzTest", "decodeWithImageIo");
        ImageSeeds.jpegs(images);
        ImageSeeds.otherFormats(images);
    }

    private static Path dir(Path root, String target, String method) throws IOException {
        return Files.createDirectories(root.resolve(target + "Inputs").resolve(method));
    }

    // ---- caffemodels --------------------------------------------------------------------------------------------

    private static void caffemodels(Path dir) throws IOException {
        // V2 (layer, type string, shaped blobs with packed floats), as CaffeModelWriter and Caffe since 2014 write.
        Path tmp = Files.createTempDirectory("seeds");
        NetParameter tiny = Prototxt.readNet(TinyNet.write(tmp, 1).deploy());
        Map<String, List<Tensor>> blobs = new LinkedHashMap<>();
        blobs.put("conv1", List.of(ramp(Shape.of(2, 3, 1, 1)), ramp(Shape.of(2))));
        blobs.put("fc", List.of(ramp(Shape.of(2, 3)), ramp(Shape.of(2))));
        CaffeModelWriter.write(dir.resolve("seed-v2.caffemodel"), tiny.getName(), tiny.getLayerList(), blobs);

        // V1 (layers, type enum, legacy 4-D dimensions), as the Model Zoo's AlexNet and CaffeNet files are.
        NetParameter.Builder v1 = NetParameter.newBuilder().setName("v1");
        v1.addLayersBuilder().setName("data").setType(V1LayerParameter.LayerType.DATA).addTop("data");
        v1.addLayersBuilder().setName("conv1").setType(V1LayerParameter.LayerType.CONVOLUTION)
                .addBottom("data").addTop("conv1")
                .addBlobs(legacyBlob(2, 1, 1, 2)).addBlobs(legacyBlob(1, 1, 1, 2));
        v1.addLayersBuilder().setName("relu1").setType(V1LayerParameter.LayerType.RELU);
        Files.write(dir.resolve("seed-v1.caffemodel"), v1.build().toByteArray());

        // A blob whose values are double_data, and one with unpacked floats (a tag before every value).
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        BlobProto doubles = BlobProto.newBuilder().setShape(BlobShape.newBuilder().addDim(3))
                .addDoubleData(0.5).addDoubleData(-1).addDoubleData(2).build();
        ByteArrayOutputStream unpacked = new ByteArrayOutputStream();
        CodedOutputStream u = CodedOutputStream.newInstance(unpacked);
        u.writeMessage(7, BlobShape.newBuilder().addDim(2).build());
        u.writeFloat(5, 1.5f);
        u.writeFloat(5, -2.5f);
        u.flush();
        ByteArrayOutputStream layer = new ByteArrayOutputStream();
        CodedOutputStream l = CodedOutputStream.newInstance(layer);
        l.writeString(1, "ip");
        l.writeString(2, "InnerProduct");
        l.writeMessage(7, doubles);
        l.writeByteArray(7, unpacked.toByteArray());
        l.flush();
        out.writeString(1, "mixed");
        out.writeByteArray(100, layer.toByteArray());
        out.flush();
        Files.write(dir.resolve("seed-double-unpacked.caffemodel"), bytes.toByteArray());
    }

    private static BlobProto legacyBlob(int num, int channels, int height, int width) {
        BlobProto.Builder b = BlobProto.newBuilder().setNum(num).setChannels(channels).setHeight(height)
                .setWidth(width);
        for (int i = 0; i < num * channels * height * width; i++) {
            b.addData(i * 0.25f - 1);
        }
        return b.build();
    }

    private static Tensor ramp(Shape shape) {
        float[] v = new float[shape.count()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i - v.length / 2f) / 4;
        }
        return Tensor.wrap(shape, v);
    }

    // ---- prototxts ----------------------------------------------------------------------------------------------

    private static void prototxts(Path dir) throws IOException {
        write(dir.resolve("seed-tiny.prototxt"), TinyNet.PROTOTXT);
        // Every layer type the engine builds, at toy sizes, so that each one's parameter checks are a mutation away.
        write(dir.resolve("seed-every-layer.prototxt"), """
                name: "every"
                layer { name: "data" type: "Input" top: "data" top: "label"
                        input_param { shape { dim: 2 dim: 3 dim: 9 dim: 9 } shape { dim: 2 } } }
                layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
                        convolution_param { num_output: 4 kernel_size: 3 stride: 2 pad: 1 group: 1 bias_term: true
                                            weight_filler { type: "xavier" } } }
                layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "conv" }
                layer { name: "scale" type: "Scale" bottom: "conv" top: "conv" scale_param { bias_term: true } }
                layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" relu_param { negative_slope: 0.1 } }
                layer { name: "split" type: "Split" bottom: "conv" top: "a" top: "b" }
                layer { name: "pool" type: "Pooling" bottom: "a" top: "pool"
                        pooling_param { pool: MAX kernel_size: 2 stride: 1 } }
                layer { name: "ave" type: "Pooling" bottom: "b" top: "ave"
                        pooling_param { pool: AVE kernel_h: 2 kernel_w: 2 stride_h: 1 stride_w: 1 } }
                layer { name: "lrn" type: "LRN" bottom: "pool" top: "lrn"
                        lrn_param { local_size: 3 alpha: 0.0001 beta: 0.75 } }
                layer { name: "cat" type: "Concat" bottom: "lrn" bottom: "ave" top: "cat" concat_param { axis: 1 } }
                layer { name: "sum" type: "Eltwise" bottom: "lrn" bottom: "ave" top: "sum"
                        eltwise_param { operation: SUM coeff: 1 coeff: -1 } }
                layer { name: "sig" type: "Sigmoid" bottom: "sum" top: "sig" }
                layer { name: "tanh" type: "TanH" bottom: "cat" top: "tanh" }
                layer { name: "drop" type: "Dropout" bottom: "tanh" top: "tanh" dropout_param { dropout_ratio: 0.5 } }
                layer { name: "flat" type: "Flatten" bottom: "sig" top: "flat" }
                layer { name: "shape" type: "Reshape" bottom: "tanh" top: "shaped"
                        reshape_param { shape { dim: 0 dim: -1 } } }
                layer { name: "gap" type: "Pooling" bottom: "cat" top: "gap"
                        pooling_param { pool: AVE global_pooling: true } }
                layer { name: "fc" type: "InnerProduct" bottom: "shaped" top: "fc"
                        inner_product_param { num_output: 3 } }
                layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }
                layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
                layer { name: "hinge" type: "HingeLoss" bottom: "fc" bottom: "label" top: "hinge" }
                layer { name: "acc" type: "Accuracy" bottom: "fc" bottom: "label" top: "acc"
                        accuracy_param { top_k: 2 } include { phase: TEST } }
                """);
        // The legacy format: input_dim and V1 layers with enum types, which V1Upgrade turns into V2.
        write(dir.resolve("seed-v1.prototxt"), """
                name: "legacy"
                input: "data"
                input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8
                layers { name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1"
                         blobs_lr: 1 blobs_lr: 2 weight_decay: 1 weight_decay: 0
                         convolution_param { num_output: 2 kernel_size: 3 } }
                layers { name: "relu1" type: RELU bottom: "conv1" top: "conv1" }
                layers { name: "pool1" type: POOLING bottom: "conv1" top: "pool1"
                         pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
                layers { name: "fc" type: INNER_PRODUCT bottom: "pool1" top: "fc"
                         inner_product_param { num_output: 2 } }
                layers { name: "prob" type: SOFTMAX bottom: "fc" top: "prob" include { phase: TEST } }
                """);
    }

    // ---- npy ----------------------------------------------------------------------------------------------------

    private static void npys(Path dir) throws IOException {
        Npy.write(dir.resolve("seed-f4-2x3.npy"), ramp(Shape.of(2, 3)));
        Npy.write(dir.resolve("seed-f4-nchw.npy"), ramp(Shape.of(1, 2, 1, 2)));
        Npy.writeInt32(dir.resolve("seed-i4-labels.npy"), Shape.of(4), new int[] {0, 1, 2, 1});
        Files.write(dir.resolve("seed-scalar.npy"), npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                new float[] {3}));
        Files.write(dir.resolve("seed-v2-fortran.npy"), npy(2,
                "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1), }", new float[] {1, 2}));
        Files.write(dir.resolve("seed-v3-bigendian.npy"), npy(3,
                "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new float[] {1}));
    }

    /** A .npy file of format {@code major}.0 with {@code header} padded as NumPy pads it, and little-endian data. */
    private static byte[] npy(int major, String header, float[] values) {
        int prefix = major == 1 ? 10 : 12;
        StringBuilder h = new StringBuilder(header);
        while ((prefix + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        byte[] text = h.toString().getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(prefix + text.length + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) text.length);
        } else {
            b.putInt(text.length);
        }
        b.put(text);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    // ---- mean files ---------------------------------------------------------------------------------------------

    private static void meanFiles(Path dir) throws IOException {
        MeanFile.write(dir.resolve("seed-legacy.binaryproto"), ramp(Shape.of(3, 2, 2)));
        BlobProto.Builder shaped = BlobProto.newBuilder()
                .setShape(BlobShape.newBuilder().addDim(3).addDim(1).addDim(2));
        for (int i = 0; i < 6; i++) {
            shaped.addDoubleData(100 + i);
        }
        Files.write(dir.resolve("seed-shaped-doubles.binaryproto"), shaped.build().toByteArray());
    }

    // ---- HDF5 ---------------------------------------------------------------------------------------------------

    /** HDF5Data files as jhdf writes them: the types, ranks and layouts the checks tell apart, a few rows each. */
    private static void hdf5s(Path dir) {
        float[][][][] rows = new float[3][2][2][2];
        for (int i = 0; i < 24; i++) {
            rows[i / 8][i / 4 % 2][i / 2 % 2][i % 2] = i * 0.5f;
        }
        Hdf5Files.write(dir.resolve("seed-float.h5"), Map.of("data", rows, "label", new float[] {0, 1, 2}));
        Hdf5Files.write(dir.resolve("seed-double-int.h5"), Map.of("data", new double[][][][] {{{{1, 2}}}, {{{3, 4}}}},
                "label", new int[][] {{1}, {0}}));
        Hdf5Files.writeCompressed(dir.resolve("seed-deflate.h5"), Map.of("data", rows, "label",
                new double[] {2, 1, 0}));
        Hdf5Files.write(dir.resolve("seed-vector-label.h5"), Map.of("data", rows, "label",
                new float[][] {{0, 1}, {1, 0}, {1, 1}}));
        Hdf5Files.write(dir.resolve("seed-strings.h5"), Map.of("data", new float[][] {{1, 2}}, "label",
                new String[] {"a"}));
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
