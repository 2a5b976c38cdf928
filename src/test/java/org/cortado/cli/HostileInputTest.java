package org.cortado.cli;

import static org.cortado.cli.FoundationCommandsTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.cortado.data.TestImages;
import org.cortado.io.Npy;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.HostileFiles;
import org.cortado.testing.TinyNet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The hostile files of issue 24 through the commands a user runs: each ends with exit status 1, one line on standard
 * error naming the file or layer, no stack trace and no output file; and any {@link Error} a command throws is one
 * line too.
 */
class HostileInputTest {
    @TempDir
    Path tmp;

    private TinyNet.Files tiny;

    @BeforeEach
    void net() {
        tiny = TinyNet.write(tmp, 3);
    }

    @Test
    void aCaffemodelOfNestedGroupsIsOneLineNamingTheFileAndByte() throws IOException {
        Path model = Files.write(tmp.resolve("nested.caffemodel"), HostileFiles.nestedGroups(100_000));
        assertOneLineError(CliTestSupport.run("inspect", "--model", tiny.deploy().toString(), "--weights",
                model.toString()), model + ": at byte 200: protobuf groups nested deeper than 100");
    }

    @Test
    void aCaffemodelBlobLargerThanTheFileIsOneLine() throws IOException {
        byte[] layer = HostileFiles.concat(HostileFiles.field(1, "conv1".getBytes()),
                HostileFiles.field(7, HostileFiles.legacyBlob(1, 1, 40000, 40000)));
        Path model = Files.write(tmp.resolve("claims.caffemodel"), HostileFiles.field(100, layer));
        assertOneLineError(CliTestSupport.run("inspect", "--model", tiny.deploy().toString(), "--weights",
                model.toString()), model.toString(), "in layer 'conv1' (#0), blob 0",
                "needs 1600000000 values but holds 0");
    }

    @Test
    void anNpyHeaderOfNestedBracketsIsOneLineAndWritesNothing() throws IOException {
        Path input = Files.write(tmp.resolve("nested.npy"), HostileFiles.nestedNpy(20_000));
        Path out = tmp.resolve("out");
        assertOneLineError(CliTestSupport.run("forward", "--model", tiny.deploy().toString(), "--weights",
                tiny.caffemodel().toString(), "--input", input.toString(), "--outputs", "prob", "--out-dir",
                out.toString()), input.toString(), "brackets nested deeper than 100");
        assertFalse(Files.exists(out));
    }

    @Test
    void aDeeplyNestedPrototxtIsOneLineWithLineAndColumn() throws IOException {
        Path deploy = Files.writeString(tmp.resolve("deep.prototxt"), HostileFiles.deepPrototxt(100_000));
        assertOneLineError(CliTestSupport.run("inspect", "--model", deploy.toString()),
                deploy + ":1:807: messages nested deeper than 100 levels");
    }

    @Test
    void inspectListsALayerTooLargeForTheHeapWithoutAllocatingIt() throws IOException {
        Path deploy = Files.writeString(tmp.resolve("wide.prototxt"),
                HostileFiles.wideInnerProduct(2_000_000_000, 1, 1, 1));
        var r = CliTestSupport.run("inspect", "--model", deploy.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("(2000000000, 1)") && r.out().contains("total parameters: 4000000000"), r.out());

        Path beyond = Files.writeString(tmp.resolve("beyond.prototxt"),
                HostileFiles.wideInnerProduct(2_000_000_000, 3, 32, 32));
        assertOneLineError(CliTestSupport.run("inspect", "--model", beyond.toString()),
                "cortado inspect: layer 'fc6' (InnerProduct): shape (2000000000, 3072) has 6144000000000 elements");
    }

    @Test
    void forwardRefusesALayerTooLargeForTheHeapNamingItAndWritesNothing() throws IOException {
        Path deploy = Files.writeString(tmp.resolve("wide.prototxt"),
                HostileFiles.wideInnerProduct(2_000_000_000, 1, 1, 1));
        Path input = tmp.resolve("x.npy");
        Npy.write(input, Tensor.zeros(Shape.of(1, 1, 1, 1)));
        Path out = tmp.resolve("out");
        var r = CliTestSupport.run("forward", "--model", deploy.toString(), "--input", input.toString(), "--outputs",
                "fc6", "--out-dir", out.toString());
        assertOneLineError(r, "cortado forward: layer 'fc6' (InnerProduct): parameter 0 of shape (2000000000, 1):"
                + " 2000000000 floats need 8.0 GB", "CORTADO_JAVA_OPTS=-Xmx");
        assertFalse(Files.exists(out));
    }

    @Test
    void codesAndTransferRefuseAHugeLayerBeforeAllocatingItAndWriteNothing() throws IOException {
        // Parameters come from the caffemodel before any is allocated (8.4 GB here, past the tests' heap): one the
        // weights lack is refused by name and shape, and nothing of its size is ever allocated.
        Path deploy = Files.writeString(tmp.resolve("wide.prototxt"),
                HostileFiles.wideInnerProduct(700_000_000, 3, 1, 1));
        Path data = TestImages.stripeFolders(tmp.resolve("data"), 3, 0);
        Path codes = tmp.resolve("out/codes.npy");
        String[] common = {"--model", deploy.toString(), "--weights", tiny.caffemodel().toString(), "--layer", "fc6",
            "--data", data.toString(), "--resize", "1x1", "--quiet"};
        assertOneLineError(CliTestSupport.run(FoundationCommandsTest.concat(FoundationCommandsTest.concat(
                new String[] {"codes"}, common), "--out", codes.toString())),
                "cortado codes: layer 'fc6' (InnerProduct): no weights for it in", "(700000000, 3)");
        Path report = tmp.resolve("out/report.json");
        assertOneLineError(CliTestSupport.run(FoundationCommandsTest.concat(FoundationCommandsTest.concat(
                new String[] {"transfer"}, common), "--head", "softmax", "--report", report.toString())),
                "cortado transfer: layer 'fc6' (InnerProduct): no weights for it in", "(700000000, 3)");
        try (Stream<Path> left = Files.exists(tmp.resolve("out")) ? Files.list(tmp.resolve("out")) : Stream.empty()) {
            assertEquals(0, left.count(), "no output, partial or complete");
        }
    }

    @Test
    void aMeanFileWithHugeDimensionsIsOneLine() throws IOException {
        Path mean = Files.write(tmp.resolve("huge.binaryproto"), HostileFiles.legacyBlob(1, 3, 100_000, 100_000));
        Path data = TestImages.stripeFolders(tmp.resolve("data"), 3, 0);
        Path codes = tmp.resolve("codes.npy");
        assertOneLineError(CliTestSupport.run("codes", "--model", tiny.deploy().toString(), "--weights",
                tiny.caffemodel().toString(), "--layer", "conv2", "--data", data.toString(), "--resize", "12x12",
                "--mean-file", mean.toString(), "--out", codes.toString(), "--quiet"),
                mean + ": mean blob of shape (3, 100000, 100000) needs 30000000000 values but holds 0");
        assertFalse(Files.exists(codes));
    }

    /** A command that fails as the JVM can: a real stack overflow, a real heap exhaustion, a broken assertion. */
    @Command(name = "fail")
    static final class Fail implements Callable<Integer> {
        @Option(names = "--with")
        String with;

        @Override
        public Integer call() {
            switch (with) {
                case "stack" -> recurse(0);
                case "heap" -> {
                    long[] tooLarge = new long[Integer.MAX_VALUE - 8];
                    return tooLarge.length;
                }
                default -> throw new AssertionError("a broken invariant");
            }
            return 0;
        }

        private static int recurse(int depth) {
            return recurse(depth + 1) + 1;
        }
    }

    private static CliTestSupport.Result runFailing(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
        cli.addSubcommand(new Fail());
        int status = Main.execute(cli, args);
        return new CliTestSupport.Result(status, out.toString(), err.toString());
    }

    @Test
    void errorsACommandThrowsAreOneLineToo() {
        assertOneLineError(runFailing("fail", "--with", "stack"), "cortado fail: stack overflow");
        assertOneLineError(runFailing("fail", "--with", "heap"), "cortado fail: out of memory (",
                "give Java more with CORTADO_JAVA_OPTS=-Xmx<size>");
        assertOneLineError(runFailing("fail", "--with", "assert"),
                "cortado fail: internal error: AssertionError: a broken invariant");
        var verbose = runFailing("fail", "--with", "assert", "--verbose");
        assertEquals(Main.EXIT_FAILURE, verbose.status());
        assertTrue(verbose.err().contains("\tat "), "--verbose prints the trace: " + verbose.err());
    }

    @Test
    void aThreadThatDiesUncaughtIsOneLineAndEndsTheProcessWithFailure() {
        StringWriter err = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        Main.uncaughtHandler(new PrintWriter(err, true), false, exit::set)
                .uncaughtException(new Thread("cortado-decode-1"), new OutOfMemoryError("Java heap space"));
        assertEquals(Main.EXIT_FAILURE, exit.get());
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("cortado: in thread 'cortado-decode-1': out of memory (Java heap space)"
                + " with a heap of at most "), err.toString());
    }
}
