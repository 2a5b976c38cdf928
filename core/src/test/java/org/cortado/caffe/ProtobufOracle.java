package org.cortado.caffe;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.caffe.proto.Caffe.BlobProto;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.tensor.Shape;

/** protobuf-java's generated parser, as an independent reading of the caffemodels that CaffeModelReader reads. */
final class ProtobufOracle {
    private ProtobufOracle() {
    }

    static NetParameter parseNet(Path caffemodel) throws IOException {
        try (InputStream in = Files.newInputStream(caffemodel)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            return NetParameter.parseFrom(coded);
        }
    }

    /** The blob's dimensions by Caffe's rule: legacy num/channels/height/width if any is set, else shape. */
    static Shape shape(BlobProto b) {
        if (b.hasNum() || b.hasChannels() || b.hasHeight() || b.hasWidth()) {
            return Shape.of(b.getNum(), b.getChannels(), b.getHeight(), b.getWidth());
        }
        return Shape.ofLongs(b.getShape().getDimList().stream().mapToLong(Long::longValue).toArray());
    }

    static float[] values(BlobProto b) {
        float[] v = new float[b.getDoubleDataCount() > 0 ? b.getDoubleDataCount() : b.getDataCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = b.getDoubleDataCount() > 0 ? (float) b.getDoubleData(i) : b.getData(i);
        }
        return v;
    }
}
