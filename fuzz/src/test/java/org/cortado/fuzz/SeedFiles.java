package org.cortado.fuzz;

import com.google.protobuf.CodedOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.caffe.MeanFile;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.BlobProto;
import org.cortado.caffe.proto.Caffe.BlobShape;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.V1LayerParameter;
import org.cortado.io.Npy;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.TinyNet;

/**
 * Writes the small seed files kept in the test resources ({@code <Target>Inputs/<method>/seed-*}): one or a few of
 * each variant that the readers distinguish (V1 and V2 caffemodels, packed and unpacked values, legacy and shaped
 * blobs; npy versions and dtypes; JPEG baseline, progressive, grey, CMYK, restart markers, arithmetic coding; the
 * formats ImageIO reads), each a few hundred bytes, so that the fuzzer starts from every branch's doorstep. The files
 * are committed; rerun this after changing it, from the repository root:
 * <pre>
 * mvn -B -q -pl core,fuzz test-compile
 * java -cp "fuzz/target/test-classes:core/target/classes:core/target/test-classes:$(cat fuzz/target/cp.txt)" \
 *     org.cortado.fuzz.SeedFiles fuzz/src/test/resources/org/cortado/fuzz
 * </pre>
 * ({@code fuzz/target/cp.txt} from {@code mvn -B -q -pl fuzz dependency:build-classpath -Dmdep.outputFile=target/cp.txt}).
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
        Path jpegs = dir(root, "NativeJpegFuzzTest", "decodeJpeg");
        jpegs(jpegs);
        Path images = dir(root, "ImageIoFuzzTest", "decodeWithImageIo");
        jpegs(images);
        otherImages(images);
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
                layers { name: "fc" type: INNER_PRODUCT bottom: "pool1" top: "fc" inner_product_param { num_output: 2 } }
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

    // ---- images -------------------------------------------------------------------------------------------------

    private static void jpegs(Path dir) throws Exception {
        BufferedImage colour = photo(16, 12, BufferedImage.TYPE_3BYTE_BGR, 1);
        Path baseline = dir.resolve("seed-baseline.jpg");
        Files.write(baseline, encode("jpeg", new IIOImage(colour, null, null), false));
        Files.write(dir.resolve("seed-progressive.jpg"), encode("jpeg", new IIOImage(colour, null, null), true));
        Files.write(dir.resolve("seed-grey.jpg"),
                encode("jpeg", new IIOImage(photo(9, 7, BufferedImage.TYPE_BYTE_GRAY, 2), null, null), false));
        Files.write(dir.resolve("seed-cmyk.jpg"), encode("jpeg", new IIOImage(fourBands(8, 8, 3), null, null), false));
        // A file cut short: libjpeg warns and fills the rest, the path where warnings are counted.
        byte[] whole = Files.readAllBytes(baseline);
        Files.write(dir.resolve("seed-truncated.jpg"), java.util.Arrays.copyOf(whole, whole.length * 2 / 3));
        jpegtran(baseline, dir.resolve("seed-arithmetic.jpg"), "-arithmetic");
        jpegtran(baseline, dir.resolve("seed-restart.jpg"), "-restart", "1B");
        jpegtran(baseline, dir.resolve("seed-progressive-arithmetic.jpg"), "-progressive", "-arithmetic");
    }

    private static void otherImages(Path dir) throws IOException {
        BufferedImage rgb = photo(6, 5, BufferedImage.TYPE_INT_RGB, 4);
        Files.write(dir.resolve("seed-rgb.png"), encode("png", new IIOImage(rgb, null, null), false));
        Files.write(dir.resolve("seed-rgba.png"),
                encode("png", new IIOImage(photo(5, 4, BufferedImage.TYPE_INT_ARGB, 5), null, null), false));
        Files.write(dir.resolve("seed-grey16.png"),
                encode("png", new IIOImage(photo(4, 4, BufferedImage.TYPE_USHORT_GRAY, 6), null, null), false));
        Files.write(dir.resolve("seed-palette.png"),
                encode("png", new IIOImage(photo(5, 3, BufferedImage.TYPE_BYTE_INDEXED, 7), null, null), false));
        Files.write(dir.resolve("seed-binary.png"),
                encode("png", new IIOImage(photo(9, 3, BufferedImage.TYPE_BYTE_BINARY, 8), null, null), false));
        Files.write(dir.resolve("seed.gif"),
                encode("gif", new IIOImage(photo(5, 4, BufferedImage.TYPE_BYTE_INDEXED, 9), null, null), false));
        Files.write(dir.resolve("seed.bmp"), encode("bmp", new IIOImage(rgb, null, null), false));
        Files.write(dir.resolve("seed.tif"), encode("tiff", new IIOImage(rgb, null, null), false));
        Files.write(dir.resolve("seed.wbmp"),
                encode("wbmp", new IIOImage(photo(8, 2, BufferedImage.TYPE_BYTE_BINARY, 10), null, null), false));
    }

    /** {@code image} in {@code format} with ImageIO's writer: default settings, or progressive for JPEG. */
    private static byte[] encode(String format, IIOImage image, boolean progressive) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName(format).next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream os = ImageIO.createImageOutputStream(bytes)) {
            w.setOutput(os);
            ImageWriteParam p = w.getDefaultWriteParam();
            if (progressive) {
                p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            } else if (format.equals("jpeg")) {
                p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                p.setCompressionQuality(0.5f);
            }
            w.write(null, image, p);
        } finally {
            w.dispose();
        }
        return bytes.toByteArray();
    }

    /** Smooth gradients with noise, so that every coefficient and the colour conversion have work to do. */
    private static BufferedImage photo(int w, int h, int type, long seed) {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = clamp(x * 255 / Math.max(1, w - 1) + rnd.nextInt(41) - 20);
                int g = clamp(y * 255 / Math.max(1, h - 1) + rnd.nextInt(41) - 20);
                int b = clamp(128 + (int) (100 * Math.sin((x + y) / 3.0)) + rnd.nextInt(21) - 10);
                img.setRGB(x, y, (rnd.nextInt(256) << 24) | (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    /** A four-band raster of random samples, which ImageIO writes as a four-component (CMYK) JPEG. */
    private static Raster fourBands(int w, int h, long seed) {
        Random rnd = new Random(seed);
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int b = 0; b < 4; b++) {
                    r.setSample(x, y, b, rnd.nextInt(256));
                }
            }
        }
        return r;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    /** Runs libjpeg-turbo's lossless {@code jpegtran} on {@code in}, if it is installed. */
    private static void jpegtran(Path in, Path out, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("jpegtran"));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("-outfile", out.toString(), in.toString()));
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed");
            }
        } catch (IOException e) {
            System.err.println("seed files: " + out.getFileName() + " not written: " + e.getMessage());
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
