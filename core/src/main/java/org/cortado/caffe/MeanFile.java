package org.cortado.caffe;

import java.nio.file.Path;
import java.util.Arrays;
import org.cortado.caffe.proto.Caffe.BlobProto;
import org.cortado.io.AtomicFiles;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Caffe's mean images ({@code mean.binaryproto}: one serialized BlobProto, as written by {@code compute_image_mean}),
 * read as a host tensor of shape {@code (C, H, W)} in the file's channel order (BGR for Caffe's image nets).
 */
public final class MeanFile {
    private MeanFile() {
    }

    /**
     * Reads a mean image. The blob's dimensions are its legacy {@code num/channels/height/width} when present, else
     * its {@code shape}; they must be {@code (1, C, H, W)} or {@code (C, H, W)}.
     *
     * @throws CaffeFormatException naming the file and what is wrong with it
     */
    public static Tensor read(Path binaryproto) {
        BlobProto blob = parse(binaryproto);
        long[] dims;
        if (blob.hasNum() || blob.hasChannels() || blob.hasHeight() || blob.hasWidth()) {
            dims = new long[] {blob.getNum(), blob.getChannels(), blob.getHeight(), blob.getWidth()};
        } else {
            dims = blob.getShape().getDimList().stream().mapToLong(Long::longValue).toArray();
        }
        boolean batchOfOne = dims.length == 4 && dims[0] == 1;
        if (!(dims.length == 3 || batchOfOne) || Arrays.stream(dims).anyMatch(d -> d <= 0 || d > Integer.MAX_VALUE)) {
            throw new CaffeFormatException(binaryproto + ": mean blob has dimensions " + Arrays.toString(dims)
                    + "; expected (1, C, H, W) or (C, H, W)");
        }
        long[] chw = batchOfOne ? Arrays.copyOfRange(dims, 1, 4) : dims;
        // The values were read from the file, so comparing with their count bounds what the dimensions may claim.
        long needed = Shape.product(chw);
        int values = blob.getDoubleDataCount() > 0 ? blob.getDoubleDataCount() : blob.getDataCount();
        if (values != needed) {
            throw new CaffeFormatException(binaryproto + ": mean blob of shape " + Shape.format(chw) + " needs "
                    + (needed == Long.MAX_VALUE ? "more than 2^63" : needed) + " values but holds " + values);
        }
        return Tensor.wrap(Shape.ofLongs(chw), BlobProtoFile.values(blob));
    }

    /**
     * Writes {@code mean}, of shape {@code (C, H, W)} or {@code (1, C, H, W)}, atomically as Caffe's
     * {@code compute_image_mean} does: legacy dimensions {@code (1, C, H, W)} and float data.
     */
    public static void write(Path binaryproto, Tensor mean) {
        int[] d = mean.shape().dims();
        boolean batchOfOne = d.length == 4 && d[0] == 1;
        if (!(d.length == 3 || batchOfOne)) {
            throw new IllegalArgumentException(binaryproto + ": a mean image has shape (C, H, W) or (1, C, H, W), not "
                    + mean.shape());
        }
        int off = batchOfOne ? 1 : 0;
        BlobProto.Builder b = BlobProto.newBuilder()
                .setNum(1).setChannels(d[off]).setHeight(d[off + 1]).setWidth(d[off + 2]);
        float[] data = mean.hostData();
        for (int i = 0; i < mean.count(); i++) {
            b.addData(data[i]);
        }
        AtomicFiles.writeBytes(binaryproto, b.build().toByteArray());
    }

    private static BlobProto parse(Path file) {
        return BlobProtoFile.parse(file, "mean image");
    }
}
