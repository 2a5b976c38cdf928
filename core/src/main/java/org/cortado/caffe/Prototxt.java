package org.cortado.caffe;

import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.SolverParameter;

/** Reads Caffe's protobuf text files (deploy/train_val prototxts, solver files), strictly. */
public final class Prototxt {
    private Prototxt() {
    }

    /** A net definition; legacy V1 {@code layers} are upgraded to V2 {@code layer}s. */
    public static NetParameter readNet(Path file) {
        NetParameter.Builder b = NetParameter.newBuilder();
        parse(file, b);
        NetParameter net = b.build();
        return V1Upgrade.needsUpgrade(net) ? V1Upgrade.upgrade(net, file.toString()) : net;
    }

    /** A solver definition. */
    public static SolverParameter readSolver(Path file) {
        SolverParameter.Builder b = SolverParameter.newBuilder();
        parse(file, b);
        return b.build();
    }

    /** Parses {@code file} into {@code builder}; errors give {@code file:line:column: what}. */
    public static void parse(Path file, Message.Builder builder) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CaffeFormatException(file + ": no such file");
        } catch (IOException e) {
            throw new CaffeFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        parseText(file.toString(), text, builder);
    }

    /** Parses prototxt {@code text}, naming {@code source} in errors. */
    public static void parseText(String source, CharSequence text, Message.Builder builder) {
        try {
            TextFormat.getParser().merge(text, builder);
        } catch (TextFormat.ParseException e) {
            // protobuf reports "line:column: message" with 1-based line and column.
            throw new CaffeFormatException(source + ":" + e.getLine() + ":" + e.getColumn() + ": "
                    + stripLocation(e.getMessage()), e);
        }
    }

    private static String stripLocation(String message) {
        return message.replaceFirst("^\\d+:\\d+: ", "");
    }
}
