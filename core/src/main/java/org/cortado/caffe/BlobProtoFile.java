package org.cortado.caffe;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.cortado.caffe.proto.Caffe.BlobProto;
import org.cortado.tensor.HostMemory;

/**
 * A file holding one serialized BlobProto ({@code .binaryproto}): Caffe's mean images, and the matrices of its
 * InfogainLoss layer. Errors name the file and what it was read as.
 */
public final class BlobProtoFile {
    private BlobProtoFile() {
    }

    /**
     * Parses {@code file} as one BlobProto; {@code what} says what the caller reads it as ("mean image").
     *
     * @throws CaffeFormatException naming the file when it cannot be read or is not a BlobProto
     */
    public static BlobProto parse(Path file, String what) {
        byte[] bytes;
        try {
            if (Files.size(file) > HostMemory.MAX_ARRAY_LENGTH && !Files.isDirectory(file)) {
                throw new CaffeFormatException(file + ": " + HostMemory.size(Files.size(file))
                        + " is larger than protobuf's limit of 2 GB for one message");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CaffeFormatException(file + ": no such file");
        } catch (IOException e) {
            String why = Files.isDirectory(file) ? ": is a directory" : ": cannot read: " + e;
            throw new CaffeFormatException(file + why, e);
        }
        if (bytes.length == 0) {
            throw new CaffeFormatException(file + ": empty file, not a BlobProto " + what);
        }
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        try {
            // Blobs of large inputs may exceed protobuf's default 64 MB message limit.
            in.setSizeLimit(Integer.MAX_VALUE);
            return BlobProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            String why = e.getMessage().startsWith("Protocol message had too many levels of nesting")
                    ? "messages or groups nested deeper than protobuf's limit of 100 (corrupt or hostile file)"
                    : e.getMessage();
            throw new CaffeFormatException(file + ": not a BlobProto " + what + ": at byte " + in.getTotalBytesRead()
                    + ": " + why, e);
        } catch (IOException e) {
            throw new CaffeFormatException(file + ": cannot parse: " + e, e);
        }
    }

    /**
     * The blob's values as floats: its {@code double_data} when it has any (as Caffe's Blob::FromProto), else
     * {@code data}.
     */
    public static float[] values(BlobProto blob) {
        int n = blob.getDoubleDataCount() > 0 ? blob.getDoubleDataCount() : blob.getDataCount();
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = blob.getDoubleDataCount() > 0 ? (float) blob.getDoubleData(i) : blob.getData(i);
        }
        return v;
    }
}
