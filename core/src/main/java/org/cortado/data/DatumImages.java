package org.cortado.data;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Path;
import org.cortado.caffe.proto.Caffe.Datum;
import org.cortado.image.BgrImage;
import org.cortado.image.DecodedImage;
import org.cortado.image.ImageDecodeException;
import org.cortado.image.ImageDecoder;
import org.cortado.image.PixelLimit;

/**
 * Caffe's {@code Datum} records as images: encoded ({@code encoded: true}, the bytes of a JPEG, PNG, ... file, as
 * {@code convert_imageset --encoded} stores them) or raw 8-bit pixels ({@code channels x height x width}, planar, BGR
 * for three channels: {@code convert_imageset}'s default, CVMatToDatum). A grey image (one channel, raw or encoded)
 * becomes three equal channels, as OpenCV's {@code IMREAD_COLOR} makes it; nets here take BGR.
 */
public final class DatumImages {
    private DatumImages() {
    }

    /** Reads byte {@code i} of a serialized record. */
    @FunctionalInterface
    public interface Bytes {
        byte at(int i);
    }

    /**
     * The {@code label} of a serialized Datum of {@code length} bytes, read by walking its fields without copying
     * the pixels (they are skipped by their length), so that listing a database does not read its images.
     *
     * @throws IOException when the bytes are not a Datum's fields
     */
    public static int label(Bytes bytes, int length) throws IOException {
        int[] at = {0};
        int label = 0;
        while (at[0] < length) {
            long tag = varint(bytes, length, at);
            int field = (int) (tag >>> 3);
            switch ((int) (tag & 7)) {
                case 0 -> {
                    long v = varint(bytes, length, at);
                    if (field == Datum.LABEL_FIELD_NUMBER) {
                        label = (int) v;
                    }
                }
                case 1 -> at[0] = skip(at[0], 8, length);
                case 2 -> {
                    long n = varint(bytes, length, at);
                    at[0] = skip(at[0], n, length);
                }
                case 5 -> at[0] = skip(at[0], 4, length);
                default -> throw new IOException("wire type " + (tag & 7) + " at byte " + at[0]);
            }
            if (field == 0) {
                throw new IOException("field number 0 at byte " + at[0]);
            }
        }
        return label;
    }

    private static long varint(Bytes bytes, int length, int[] at) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at[0] >= length) {
                throw new IOException("truncated at byte " + at[0]);
            }
            byte b = bytes.at(at[0]++);
            v |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw new IOException("malformed varint at byte " + at[0]);
    }

    private static int skip(int at, long n, int length) throws IOException {
        if (n < 0 || n > length - at) {
            throw new IOException("a field of " + n + " bytes at byte " + at + " runs past the record's " + length);
        }
        return (int) (at + n);
    }

    /**
     * Decodes a serialized Datum under {@code maxPixels}: a raw one's size is checked before its pixels are
     * converted, an encoded one's in its header, as for files.
     */
    public static DecodedImage decode(Path name, byte[] serialized, long maxPixels) throws ImageDecodeException {
        Datum d;
        try {
            d = Datum.parseFrom(serialized);
        } catch (InvalidProtocolBufferException e) {
            throw new ImageDecodeException(name, "not a Caffe Datum record (" + e.getMessage() + ")", e);
        }
        if (d.getEncoded()) {
            return ImageDecoder.decodeWithWarnings(name, d.getData().toByteArray(), maxPixels);
        }
        return new DecodedImage(raw(name, d, maxPixels), null);
    }

    private static BgrImage raw(Path name, Datum d, long maxPixels) throws ImageDecodeException {
        if (d.getFloatDataCount() > 0 && d.getData().isEmpty()) {
            throw new ImageDecodeException(name, "a Datum of float_data (" + d.getFloatDataCount()
                    + " floats), not 8-bit pixels; only image Datums are read", null);
        }
        int c = d.getChannels();
        int h = d.getHeight();
        int w = d.getWidth();
        if (c != 1 && c != 3) {
            throw new ImageDecodeException(name, "a raw Datum of " + c + " channels (1 or 3 are images)", null);
        }
        if (h < 1 || w < 1) {
            throw new ImageDecodeException(name, "a raw Datum of " + h + " x " + w + " pixels", null);
        }
        String refused = PixelLimit.refusal(h, w, maxPixels, "");
        if (refused != null) {
            throw new ImageDecodeException(name, refused, null);
        }
        long expected = (long) c * h * w;
        ByteString data = d.getData();
        if (data.size() != expected) {
            throw new ImageDecodeException(name, "a raw Datum of " + c + " x " + h + " x " + w + " holds "
                    + data.size() + " bytes, not " + expected, null);
        }
        int plane = h * w;
        byte[] chw = data.toByteArray();
        byte[] bgr = new byte[BgrImage.byteCount(h, w)];
        for (int i = 0; i < plane; i++) {
            for (int k = 0; k < BgrImage.CHANNELS; k++) {
                bgr[i * BgrImage.CHANNELS + k] = chw[(c == 1 ? 0 : k) * plane + i];
            }
        }
        return new BgrImage(h, w, bgr);
    }

    /** A raw Datum of {@code image}: three planar channels, B, G, R, as Caffe's CVMatToDatum writes them. */
    static Datum raw(BgrImage image, int label) {
        int plane = image.height() * image.width();
        byte[] chw = new byte[image.pixels().length];
        for (int i = 0; i < plane; i++) {
            for (int k = 0; k < BgrImage.CHANNELS; k++) {
                chw[k * plane + i] = image.pixels()[i * BgrImage.CHANNELS + k];
            }
        }
        return Datum.newBuilder().setChannels(BgrImage.CHANNELS).setHeight(image.height()).setWidth(image.width())
                .setData(ByteString.copyFrom(chw)).setLabel(label).setEncoded(false).build();
    }

    /** An encoded Datum: a file's bytes as they are, as Caffe's ReadFileToDatum stores them. */
    static Datum encoded(byte[] file, int label) {
        return Datum.newBuilder().setData(ByteString.copyFrom(file)).setLabel(label).setEncoded(true).build();
    }
}
