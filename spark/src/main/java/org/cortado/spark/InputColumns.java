package org.cortado.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.cortado.data.EncodedImage;
import org.cortado.data.StoredImage;
import org.cortado.image.BgrImage;
import org.cortado.image.DecodedImage;
import org.cortado.image.ImageDecodeException;
import org.cortado.image.PixelLimit;

/**
 * Where a row's image is: the bytes of an image file (Spark's {@code binaryFile} source: {@code path} and
 * {@code content}), or a decoded image (Spark's {@code image} source: a struct of {@code origin}, {@code height},
 * {@code width}, {@code nChannels}, {@code mode}, {@code data} with BGR(A) bytes row by row, as OpenCV lays them out).
 * Files are decoded by the engine's decoders, so that their codes equal the CLI's; the image source's pixels are
 * taken as Spark's ImageIO decoded them.
 */
final class InputColumns implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Stands in for a row without an image; never decodes (the row's reason is set before). */
    static final StoredImage NOTHING = (name, maxPixels) -> {
        throw new ImageDecodeException(name, "no image", null);
    };

    private final int image;
    private final int path;
    private final boolean binary;

    private InputColumns(int image, int path, boolean binary) {
        this.image = image;
        this.path = path;
        this.binary = binary;
    }

    /**
     * The input of {@code schema}'s column {@code column}: binary (with the string column {@code pathColumn} naming
     * each row) or an image struct.
     *
     * @throws IllegalArgumentException naming the column and what it should be
     */
    static InputColumns of(StructType schema, String column, String pathColumn) {
        int at = index(schema, column);
        StructField f = schema.fields()[at];
        if (f.dataType().equals(DataTypes.BinaryType)) {
            int p = index(schema, pathColumn);
            if (!schema.fields()[p].dataType().equals(DataTypes.StringType)) {
                throw new IllegalArgumentException("column '" + pathColumn + "' names the images and must be a string,"
                        + " got " + schema.fields()[p].dataType().simpleString());
            }
            return new InputColumns(at, p, true);
        }
        if (f.dataType() instanceof StructType s && Arrays.asList(s.fieldNames()).containsAll(
                Arrays.asList("origin", "height", "width", "nChannels", "data"))) {
            return new InputColumns(at, -1, false);
        }
        throw new IllegalArgumentException("column '" + column + "' must hold image files' bytes (binary, as Spark's"
                + " binaryFile source gives) or images (Spark's image source), got " + f.dataType().simpleString());
    }

    private static int index(StructType schema, String column) {
        try {
            return schema.fieldIndex(column);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("no column '" + column + "' among " + Arrays.toString(
                    schema.fieldNames()));
        }
    }

    /** The row's name in reasons and errors: its path, or its image's origin. */
    String name(Row row) {
        String n = binary ? row.getString(path) : row.isNullAt(image) ? null : row.getStruct(image).getAs("origin");
        return n == null || n.isEmpty() ? "(unnamed row)" : n;
    }

    /** The row's image, or null when it has none ({@link #missingReason} says why). */
    StoredImage image(Row row, long maxPixels) {
        if (row.isNullAt(image)) {
            return null;
        }
        if (binary) {
            EncodedImage bytes = new EncodedImage((byte[]) row.get(image));
            return (name, ignored) -> bytes.decode(name, maxPixels);
        }
        Row img = row.getStruct(image);
        int h = img.getAs("height");
        int w = img.getAs("width");
        int channels = img.getAs("nChannels");
        byte[] data = img.getAs("data");
        if (h <= 0 || w <= 0 || data == null || data.length == 0) {
            return null;
        }
        return (name, ignored) -> {
            String refused = PixelLimit.refusal(h, w, maxPixels, "");
            if (refused != null) {
                throw new ImageDecodeException(name, refused, null);
            }
            return new DecodedImage(toBgr(name, h, w, channels, data), null);
        };
    }

    /** Why a row without an image has none. */
    String missingReason(Row row) {
        return binary ? "no bytes (null content)" : "Spark's image source could not decode it";
    }

    /** The image source's grey, BGR or BGRA bytes as BGR. */
    private static BgrImage toBgr(Path name, int h, int w, int channels, byte[] data) throws ImageDecodeException {
        long pixels = (long) h * w;
        if (channels != 1 && channels != 3 && channels != 4 || data.length != pixels * channels) {
            throw new ImageDecodeException(name, "an image of " + h + "x" + w + " with " + channels + " channels holds "
                    + data.length + " bytes", null);
        }
        if (channels == 3) {
            return new BgrImage(h, w, data);
        }
        byte[] bgr = new byte[Math.toIntExact(pixels * 3)];
        for (int i = 0; i < pixels; i++) {
            for (int c = 0; c < 3; c++) {
                bgr[i * 3 + c] = data[channels == 1 ? i : i * 4 + c];
            }
        }
        return new BgrImage(h, w, bgr);
    }

    /** All the values of a row, for a row with more columns. */
    static Object[] values(Row row) {
        Object[] v = new Object[row.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = row.get(i);
        }
        return v;
    }
}
