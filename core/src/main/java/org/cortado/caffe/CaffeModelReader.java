package org.cortado.caffe;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.cortado.caffe.proto.Caffe.V1LayerParameter.LayerType;
import org.cortado.tensor.HostMemory;
import org.cortado.tensor.InsufficientMemoryException;
import org.cortado.tensor.Shape;

/**
 * Reads the weights of a binary {@code .caffemodel} (a serialized {@code NetParameter}) by walking the protobuf wire
 * format of the file, without building protobuf messages.
 *
 * <p>Why not {@code NetParameter.parseFrom}: protobuf-java would hold the file's bytes, then every blob as a boxed
 * or primitive list, then cortado's float arrays: several times the file in heap (VGG16's file is 528 MB). Here the
 * floats go from the file, through a window of {@link #WINDOW_BYTES}, straight into one {@code float[]} per blob, so the heap peaks at about the file's
 * size, and no 64 MB message limit applies. Only what weight loading needs is read: the net's name and, per layer,
 * its name, type and blobs; every other field is skipped by its wire type.
 *
 * <p>Both formats are read: V2 {@code layer} (field 100: name 1, type 2 as a string, blobs 7) and the legacy V1
 * {@code layers} (field 2: name 4, type 5 as an enum, blobs 6), as in {@code bvlc_alexnet.caffemodel}. A blob's
 * dimensions come from its legacy {@code num/channels/height/width} fields when any is present (as in Caffe's
 * {@code Blob::FromProto}), otherwise from its {@code shape}; its values from {@code double_data} when present,
 * otherwise from {@code data}, packed or not.
 */
public final class CaffeModelReader {
    /** The window the file is read through: large enough that a read costs less than copying its floats. */
    static final int WINDOW_BYTES = 1 << 20;

    // Field numbers of caffe.proto (NetParameter, LayerParameter, V1LayerParameter, BlobProto, BlobShape).
    private static final int NET_NAME = 1;
    private static final int NET_LAYERS_V1 = 2;
    private static final int NET_LAYER = 100;
    private static final int V2_NAME = 1;
    private static final int V2_TYPE = 2;
    private static final int V2_BLOBS = 7;
    private static final int V1_NAME = 4;
    private static final int V1_TYPE = 5;
    private static final int V1_BLOBS = 6;
    /** V1LayerParameter's {@code layer}: a whole V0 layer nested inside, as in models saved before 2014. */
    private static final int V1_V0_LAYER = 1;
    private static final int BLOB_NUM = 1;
    private static final int BLOB_WIDTH = 4;
    private static final int BLOB_DATA = 5;
    private static final int BLOB_SHAPE = 7;
    private static final int BLOB_DOUBLE_DATA = 8;
    private static final int SHAPE_DIM = 1;
    /** Caffe's kMaxBlobAxes: a blob of more axes is refused by Caffe too. */
    static final int MAX_BLOB_AXES = 32;
    /**
     * Bounds on what one file may hold, far above any real net (GoogLeNet's train_val has 166 layers): each entry
     * costs some hundred bytes of heap while an empty one takes three bytes of file, so without a bound a small file
     * could fill the heap with empty layers.
     */
    static final int MAX_LAYERS = 100_000;
    static final int MAX_BLOBS = 100_000;

    private final WireInput in;
    private final Path file;
    private int blobCount;

    private CaffeModelReader(WireInput in, Path file) {
        this.in = in;
        this.file = file;
    }

    /**
     * Reads every layer of {@code caffemodel} (those without blobs too, such as data and loss layers), in file order.
     *
     * @throws CaffeFormatException naming the file, and for malformed content the byte offset, the layer being read
     *                              and what was wrong
     */
    public static CaffeWeights read(Path caffemodel) {
        return read(caffemodel, WINDOW_BYTES);
    }

    /** As {@link #read(Path)}, through a window of {@code windowBytes} (small in tests, to cross its ends). */
    static CaffeWeights read(Path caffemodel, int windowBytes) {
        if (!Files.exists(caffemodel)) {
            throw new CaffeFormatException(caffemodel + ": no such file");
        }
        if (Files.isDirectory(caffemodel)) {
            throw new CaffeFormatException(caffemodel + ": is a directory, not a .caffemodel file");
        }
        try (FileChannel channel = FileChannel.open(caffemodel, StandardOpenOption.READ)) {
            if (channel.size() == 0) {
                throw new CaffeFormatException(caffemodel + ": empty file, not a .caffemodel");
            }
            return new CaffeModelReader(WireInput.open(caffemodel, channel, windowBytes), caffemodel).readNet();
        } catch (IOException e) {
            throw new CaffeFormatException(caffemodel + ": cannot read: " + e, e);
        }
    }

    private CaffeWeights readNet() {
        long end = in.size();
        String netName = "";
        List<LayerWeights> layers = new ArrayList<>();
        int v1Count = 0;
        int v2Count = 0;
        while (in.position() < end) {
            long tagAt = in.position();
            int tag = in.readTag(end);
            switch (tag >>> 3) {
                case NET_NAME -> {
                    in.expectWireType(tag & 7, WireInput.LEN, tagAt, "NetParameter.name");
                    netName = in.readString(end);
                }
                case NET_LAYER -> {
                    in.expectWireType(tag & 7, WireInput.LEN, tagAt, "NetParameter.layer");
                    requireBelow(layers.size(), MAX_LAYERS, tagAt, "layers");
                    layers.add(readLayer(false, layers.size(), end));
                    v2Count++;
                }
                case NET_LAYERS_V1 -> {
                    in.expectWireType(tag & 7, WireInput.LEN, tagAt, "NetParameter.layers");
                    requireBelow(layers.size(), MAX_LAYERS, tagAt, "layers");
                    layers.add(readLayer(true, layers.size(), end));
                    v1Count++;
                }
                default -> in.skipField(tag, tagAt, end);
            }
        }
        if (v1Count > 0 && v2Count > 0) {
            // Caffe refuses such a net too (UpgradeV1Net): which of the two lists would be meant is unclear.
            throw new CaffeFormatException(file + ": mixes " + v2Count + " V2 'layer' and " + v1Count
                    + " V1 'layers' entries");
        }
        return new CaffeWeights(file, netName, layers);
    }

    private LayerWeights readLayer(boolean v1, int index, long outerEnd) {
        setContext(index, null, -1);
        long lengthAt = in.position();
        long length = in.readVarint(outerEnd);
        if (length < 0 || length > Integer.MAX_VALUE) {
            throw in.error(lengthAt, "bad layer length " + length);
        }
        long declaredEnd = in.position() + length;
        // A cut file usually ends inside a blob: parse what is there, so that the error names the layer and blob.
        long end = Math.min(declaredEnd, outerEnd);
        String name = null;
        String type = "";
        List<WeightBlob> blobs = new ArrayList<>();
        while (in.position() < end) {
            long tagAt = in.position();
            int tag = in.readTag(end);
            int field = tag >>> 3;
            if (field == (v1 ? V1_NAME : V2_NAME)) {
                in.expectWireType(tag & 7, WireInput.LEN, tagAt, "name");
                name = in.readString(end);
                setContext(index, name, -1);
            } else if (field == (v1 ? V1_TYPE : V2_TYPE)) {
                if (v1) {
                    in.expectWireType(tag & 7, WireInput.VARINT, tagAt, "type");
                    type = v1TypeName((int) in.readVarint(end), tagAt);
                } else {
                    in.expectWireType(tag & 7, WireInput.LEN, tagAt, "type");
                    type = in.readString(end);
                }
            } else if (v1 && field == V1_V0_LAYER) {
                throw in.error(tagAt, "layer in the V0 format of Caffe before 2014, which cortado does not read;"
                        + " convert the model with Caffe's upgrade_net_proto_binary");
            } else if (field == (v1 ? V1_BLOBS : V2_BLOBS)) {
                in.expectWireType(tag & 7, WireInput.LEN, tagAt, "blobs");
                requireBelow(blobCount++, MAX_BLOBS, tagAt, "blobs");
                setContext(index, name, blobs.size());
                blobs.add(readBlob(end));
                setContext(index, name, -1);
            } else {
                in.skipField(tag, tagAt, end);
            }
        }
        if (declaredEnd > outerEnd) {
            throw in.error(lengthAt, "truncated: the layer's " + length + " bytes run past the end of the file ("
                    + in.size() + " bytes)");
        }
        in.setContext("");
        return new LayerWeights(name == null ? "" : name, type, blobs);
    }

    private void requireBelow(int count, int max, long at, String what) {
        if (count >= max) {
            throw in.error(at, "more than " + max + " " + what + " in one file, far beyond any real net"
                    + " (corrupt or hostile file)");
        }
    }

    private String v1TypeName(int number, long at) {
        LayerType type = LayerType.forNumber(number);
        if (type == null) {
            throw in.error(at, "unknown V1 layer type number " + number);
        }
        // Caffe's UpgradeV1LayerType turns NONE (no type given) into the empty type string.
        return type == LayerType.NONE ? "" : V1Upgrade.typeName(type, "", file.toString());
    }

    private void setContext(int index, String name, int blob) {
        String layer = name == null ? "in layer #" + index : "in layer '" + name + "' (#" + index + ")";
        in.setContext(blob < 0 ? layer : layer + ", blob " + blob);
    }

    /**
     * Reads one BlobProto in two passes over its bytes: the first finds the dimensions and counts the values
     * (skipping them), the second copies the values into an array of exactly that size. Counting first is what
     * keeps the heap at one array per blob even when a writer split the values over several fields.
     */
    private WeightBlob readBlob(long outerEnd) {
        long lengthAt = in.position();
        long length = in.readLength(outerEnd);
        long start = in.position();
        long end = start + length;
        BlobScan scan = new BlobScan();
        scanBlob(start, end, scan, null);
        Shape shape = blobShape(scan, lengthAt);
        // Caffe's Blob::FromProto takes double_data when there is any, else data.
        long values = scan.doubles > 0 ? scan.doubles : scan.floats;
        if (values != shape.count()) {
            throw in.error(lengthAt, "blob of shape " + shape + " needs " + shape.count() + " values but holds "
                    + values);
        }
        float[] data;
        try {
            data = HostMemory.floats(shape.count(), () -> "blob of shape " + shape);
        } catch (InsufficientMemoryException e) {
            throw in.error(lengthAt, e.getMessage(), e);
        }
        if (data.length > 0) {
            scanBlob(start, end, scan, data);
        }
        in.seek(end);
        return new WeightBlob(shape, scan.legacy, data);
    }

    /** What the first pass over a blob found. */
    private static final class BlobScan {
        final long[] legacyDims = new long[4];
        boolean legacy;
        final List<Long> dims = new ArrayList<>();
        long floats;
        long doubles;
    }

    /**
     * Walks the blob's fields from {@code start} to {@code end}. With {@code dst == null} it records dimensions and
     * value counts in {@code s}; otherwise it fills {@code dst} from {@code double_data} if {@code s} counted any,
     * else from {@code data}.
     */
    private void scanBlob(long start, long end, BlobScan s, float[] dst) {
        boolean counting = dst == null;
        boolean fillFloats = !counting && s.doubles == 0;
        boolean fillDoubles = !counting && s.doubles > 0;
        int filled = 0;
        in.seek(start);
        while (in.position() < end) {
            long tagAt = in.position();
            int tag = in.readTag(end);
            int field = tag >>> 3;
            int wire = tag & 7;
            if (field >= BLOB_NUM && field <= BLOB_WIDTH) {
                in.expectWireType(wire, WireInput.VARINT, tagAt, "BlobProto legacy dimension " + field);
                // int32 fields: a negative value is sign-extended to 64 bits on the wire.
                long dim = (int) in.readVarint(end);
                if (counting) {
                    s.legacyDims[field - BLOB_NUM] = dim;
                    s.legacy = true;
                }
            } else if (field == BLOB_SHAPE) {
                in.expectWireType(wire, WireInput.LEN, tagAt, "BlobProto.shape");
                readShape(counting ? s.dims : new ArrayList<>(), end);
            } else if (field == BLOB_DATA || field == BLOB_DOUBLE_DATA) {
                boolean doubles = field == BLOB_DOUBLE_DATA;
                boolean fill = doubles ? fillDoubles : fillFloats;
                int n = readValues(wire, tagAt, end, doubles, fill ? dst : null, filled);
                filled += fill ? n : 0;
                if (counting && doubles) {
                    s.doubles += n;
                } else if (counting) {
                    s.floats += n;
                }
            } else {
                in.skipField(tag, tagAt, end);
            }
        }
    }

    /**
     * Reads one occurrence of {@code data} (floats) or {@code double_data}: a packed run or, unpacked, one value.
     * Copies the values to {@code dst[off..]} unless {@code dst} is null; returns how many there were.
     */
    private int readValues(int wire, long tagAt, long end, boolean doubles, float[] dst, int off) {
        int width = doubles ? Double.BYTES : Float.BYTES;
        if (wire == WireInput.LEN) {
            int n = (int) packedCount(in.readLength(end), width, tagAt, doubles ? "double_data" : "data");
            if (dst == null) {
                in.seek(in.position() + (long) width * n);
            } else if (doubles) {
                in.readDoublesAsFloats(dst, off, n);
            } else {
                in.readFloats(dst, off, n);
            }
            return n;
        }
        in.expectWireType(wire, doubles ? WireInput.FIXED64 : WireInput.FIXED32, tagAt,
                doubles ? "BlobProto.double_data" : "BlobProto.data");
        float v = doubles ? (float) in.readFixedDouble(end) : in.readFixedFloat(end);
        if (dst != null) {
            dst[off] = v;
        }
        return 1;
    }

    private long packedCount(long bytes, int width, long tagAt, String field) {
        if (bytes % width != 0) {
            throw in.error(tagAt, "packed " + field + " of " + bytes + " bytes is not a whole number of "
                    + width + "-byte values");
        }
        return bytes / width;
    }

    /** Appends the dimensions of a BlobShape message (field {@code dim}, packed or not) to {@code dims}. */
    private void readShape(List<Long> dims, long outerEnd) {
        long length = in.readLength(outerEnd);
        long end = in.position() + length;
        while (in.position() < end) {
            long tagAt = in.position();
            int tag = in.readTag(end);
            if (tag >>> 3 != SHAPE_DIM) {
                in.skipField(tag, tagAt, end);
            } else if ((tag & 7) == WireInput.LEN) {
                long packedLength = in.readLength(end);
                long packedEnd = in.position() + packedLength;
                while (in.position() < packedEnd) {
                    addDim(dims, in.readVarint(packedEnd), tagAt);
                }
            } else {
                in.expectWireType(tag & 7, WireInput.VARINT, tagAt, "BlobShape.dim");
                addDim(dims, in.readVarint(end), tagAt);
            }
        }
    }

    private void addDim(List<Long> dims, long dim, long at) {
        if (dims.size() == MAX_BLOB_AXES) {
            throw in.error(at, "blob shape of more than " + MAX_BLOB_AXES + " dimensions (Caffe's limit)");
        }
        dims.add(dim);
    }

    private Shape blobShape(BlobScan s, long at) {
        long[] dims = s.legacy ? s.legacyDims : s.dims.stream().mapToLong(Long::longValue).toArray();
        for (long d : dims) {
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw in.error(at, "blob dimension " + d + " out of range in " + Arrays.toString(dims));
            }
        }
        if (Shape.product(dims) > Integer.MAX_VALUE) {
            throw in.error(at, "blob of dimensions " + Arrays.toString(dims)
                    + " has more than 2^31-1 values, which one array cannot hold");
        }
        return Shape.ofLongs(dims);
    }
}
