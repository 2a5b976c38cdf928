package org.cortado.caffe;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.TextFormat;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cortado.caffe.proto.Caffe.BlobShape;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.io.AtomicFiles;
import org.cortado.tensor.Tensor;

/**
 * Writes {@code .caffemodel} files (V2 {@code layer} format, blobs with {@code shape} and packed {@code data}) that
 * Caffe, protobuf's parsers and {@link CaffeModelReader} all read, and deploy prototxts.
 *
 * <p>The model is streamed rather than built as one {@code NetParameter}: a message would copy every weight into
 * protobuf's own lists and then into its serialized bytes. Each layer is serialized without blobs, and its blob
 * fields are appended by hand; protobuf concatenates the occurrences of a repeated field wherever they appear in a
 * message, so the result parses exactly as if the blobs had been set on the layer. The lengths that prefix each
 * message are computed up front from the shapes.
 */
public final class CaffeModelWriter {
    private static final int NET_NAME = 1;
    private static final int NET_LAYER = 100;
    private static final int LAYER_BLOBS = 7;
    private static final int BLOB_DATA = 5;
    private static final int BLOB_SHAPE = 7;
    /** Floats converted to bytes per step. */
    private static final int CHUNK_FLOATS = 1 << 18;

    private CaffeModelWriter() {
    }

    /**
     * Writes a caffemodel atomically.
     *
     * @param out          the file to write (replaced if it exists)
     * @param netName      the net's name (may be empty)
     * @param layers       the layers in order, V2 format; their own {@code blobs} are ignored. Not modified.
     * @param blobsByLayer each layer's parameter blobs by layer name, in Caffe's order (weight, then bias); host
     *                     tensors. Not modified.
     * @throws IllegalArgumentException when blobs are given for a name that is not a layer's, or for a name that
     *                                  two layers share
     * @throws java.io.UncheckedIOException naming {@code out} when it cannot be written
     */
    public static void write(Path out, String netName, List<LayerParameter> layers,
                             Map<String, List<Tensor>> blobsByLayer) {
        checkNames(layers, blobsByLayer);
        AtomicFiles.write(out, stream -> {
            CodedOutputStream cos = CodedOutputStream.newInstance(stream, 1 << 16);
            if (netName != null && !netName.isEmpty()) {
                cos.writeString(NET_NAME, netName);
            }
            byte[] chunk = new byte[CHUNK_FLOATS * Float.BYTES];
            for (LayerParameter layer : layers) {
                LayerParameter header = layer.toBuilder().clearBlobs().build();
                List<Tensor> blobs = blobsByLayer.getOrDefault(layer.getName(), List.of());
                long size = header.getSerializedSize();
                for (Tensor t : blobs) {
                    size += fieldSize(LAYER_BLOBS, blobSize(t));
                }
                if (size > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException(out + ": layer '" + layer.getName() + "' would take " + size
                            + " bytes; a protobuf message holds at most 2^31-1");
                }
                cos.writeTag(NET_LAYER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                cos.writeUInt32NoTag((int) size);
                header.writeTo(cos);
                for (Tensor t : blobs) {
                    writeBlob(cos, t, chunk);
                }
            }
            cos.flush();
        });
    }

    /** As {@link #write(Path, String, List, Map)} with the name and V2 layers of {@code net}. */
    public static void write(Path out, NetParameter net, Map<String, List<Tensor>> blobsByLayer) {
        write(out, net.getName(), net.getLayerList(), blobsByLayer);
    }

    /**
     * Writes {@code net} as a prototxt atomically, without any blobs its layers may carry (a deploy file holds the
     * architecture; the weights belong in the caffemodel).
     */
    public static void writeDeployPrototxt(Path out, NetParameter net) {
        AtomicFiles.writeString(out, deployPrototxt(net));
    }

    /** {@code net} as prototxt text without any blobs its layers may carry. */
    public static String deployPrototxt(NetParameter net) {
        NetParameter.Builder b = net.toBuilder();
        for (LayerParameter.Builder l : b.getLayerBuilderList()) {
            l.clearBlobs();
        }
        for (var l : b.getLayersBuilderList()) {
            l.clearBlobs();
        }
        return TextFormat.printer().printToString(b.build());
    }

    private static void checkNames(List<LayerParameter> layers, Map<String, List<Tensor>> blobsByLayer) {
        Set<String> seen = new HashSet<>();
        for (LayerParameter l : layers) {
            if (!seen.add(l.getName()) && blobsByLayer.containsKey(l.getName())) {
                throw new IllegalArgumentException("blobs given for layer '" + l.getName()
                        + "', a name that several layers share");
            }
        }
        for (String name : blobsByLayer.keySet()) {
            if (!seen.contains(name)) {
                throw new IllegalArgumentException("blobs given for layer '" + name + "', which is not among the "
                        + layers.size() + " layers written");
            }
        }
    }

    private static BlobShape shapeOf(Tensor t) {
        BlobShape.Builder s = BlobShape.newBuilder();
        for (int d : t.shape().dims()) {
            s.addDim(d);
        }
        return s.build();
    }

    /** The BlobProto's size: its shape field and, for a non-empty tensor, its packed data field. */
    private static long blobSize(Tensor t) {
        long size = CodedOutputStream.computeMessageSize(BLOB_SHAPE, shapeOf(t));
        if (t.count() > 0) {
            // Protobuf omits an empty packed field; so do we, so that both serializations agree.
            size += fieldSize(BLOB_DATA, (long) Float.BYTES * t.count());
        }
        return size;
    }

    /** The size of a length-delimited field whose payload is {@code payload} bytes. */
    private static long fieldSize(int field, long payload) {
        return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt64SizeNoTag(payload) + payload;
    }

    private static void writeBlob(CodedOutputStream cos, Tensor t, byte[] chunk) throws IOException {
        long size = blobSize(t);
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("blob of shape " + t.shape() + " exceeds 2 GiB");
        }
        cos.writeTag(LAYER_BLOBS, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        cos.writeUInt32NoTag((int) size);
        cos.writeMessage(BLOB_SHAPE, shapeOf(t));
        int count = t.count();
        if (count == 0) {
            return;
        }
        cos.writeTag(BLOB_DATA, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        cos.writeUInt32NoTag(Float.BYTES * count);
        float[] data = t.hostData();
        FloatBuffer view = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int off = 0; off < count; off += CHUNK_FLOATS) {
            int n = Math.min(CHUNK_FLOATS, count - off);
            view.clear();
            view.put(data, off, n);
            cos.writeRawBytes(chunk, 0, n * Float.BYTES);
        }
    }
}
