package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --precision} on the commands that run a net: 16 bits only on a GPU, each refusal one line before any work.
 * The 16-bit path itself is the kernels module's (HalfPrecision*Contract, on the host-CUDA device and a GPU).
 */
class PrecisionOptionTest {
    @TempDir
    Path tmp;

    private String[] forward(String... extra) {
        Path input = SharedData.require("reference/caffenet_narrow/cat/input.npy");
        String[] common = {"forward", "--model", FoundationCommandsTest.narrow("caffenet_narrow_deploy.prototxt"),
            "--weights", FoundationCommandsTest.narrow("caffenet_narrow_v1.caffemodel"), "--input", input.toString(),
            "--outputs", "prob", "--out-dir", tmp.resolve("out").toString()};
        return FoundationCommandsTest.concat(common, extra);
    }

    @Test
    void sixteenBitsOnTheCpuAreRefusedInOneLine() {
        var r = CliTestSupport.run(forward("--precision", "bf16"));
        assertEquals(Main.EXIT_FAILURE, r.status(), r.toString());
        assertEquals("cortado forward: --precision bf16 runs on the GPU only (--device gpu); the CPU computes in"
                + " float32", r.err().strip());
        assertFalse(Files.exists(tmp.resolve("out").resolve("prob.npy")));
    }

    @Test
    void autoWithoutAGpuRefusesSixteenBits() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/dev/nvidia0")), "a GPU is present");
        var r = CliTestSupport.run(forward("--device", "auto", "--precision", "fp16"));
        assertEquals(Main.EXIT_FAILURE, r.status(), r.toString());
        assertTrue(r.err().strip().endsWith("--precision fp16 needs a GPU, and --device auto found none"), r.err());
    }

    @Test
    void anUnknownPrecisionIsNamed() {
        var r = CliTestSupport.run(forward("--device", "gpu", "--precision", "fp8"));
        assertEquals(Main.EXIT_FAILURE, r.status(), r.toString());
        assertTrue(r.err().contains("precision 'fp8' is not one of fp32, bf16, fp16"), r.err());
    }

    @Test
    void float32IsTheDefaultAndRunsOnTheCpu() {
        var r = CliTestSupport.run(forward("--precision", "fp32"));
        assertEquals(0, r.status(), r.toString());
        assertTrue(Files.exists(tmp.resolve("out").resolve("prob.npy")));
    }
}
