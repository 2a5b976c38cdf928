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
import org.cortado.tensor.HostMemory;

/** Reads Caffe's protobuf text files (deploy/train_val prototxts, solver files), strictly. */
public final class Prototxt {
    /**
     * The largest prototxt read. Real ones are kilobytes (a 1000-layer ResNet's is well under 1 MB); the text and its
     * parsed form are held whole, so a far larger file is refused before it is read.
     */
    public static final long MAX_BYTES = 64L << 20;
    /** How deeply messages may nest (protobuf's default, named here so that the error can say it). */
    private static final int MAX_NESTING = 100;

    private Prototxt() {
    }

    /** A net definition; legacy V1 {@code layers} are upgraded to V2 {@code layer}s. */
    public static NetParameter readNet(Path file) {
        NetParameter.Builder b = NetParameter.newBuilder();
        parse(file, b);
        NetParameter net = b.build();
        return V1Upgrade.needsUpgrade(net) ? V1Upgrade.upgrade(net, file.toString()) : net;
    }

    /** A net definition from prototxt {@code text}, naming {@code source} in errors; V1 layers are upgraded. */
    public static NetParameter parseNet(String source, CharSequence text) {
        NetParameter.Builder b = NetParameter.newBuilder();
        parseText(source, text, b);
        NetParameter net = b.build();
        return V1Upgrade.needsUpgrade(net) ? V1Upgrade.upgrade(net, source) : net;
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
            long size = Files.size(file);
            if (size > MAX_BYTES && !Files.isDirectory(file)) {
                throw new CaffeFormatException(file + ": " + HostMemory.size(size) + " is too large for a prototxt"
                        + " (at most " + HostMemory.size(MAX_BYTES) + "; is it a text net or solver definition?)");
            }
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
            TextFormat.Parser.newBuilder().setRecursionLimit(MAX_NESTING).build().merge(text, builder);
        } catch (TextFormat.ParseException e) {
            // protobuf reports "line:column: message" with 1-based line and column.
            throw new CaffeFormatException(source + ":" + e.getLine() + ":" + e.getColumn() + ": "
                    + explain(stripLocation(e.getMessage())), e);
        }
    }

    private static String stripLocation(String message) {
        return message.replaceFirst("^\\d+:\\d+: ", "");
    }

    private static String explain(String message) {
        return message.equals("Message is nested too deep")
                ? "messages nested deeper than " + MAX_NESTING + " levels (corrupt or hostile file)" : message;
    }
}
