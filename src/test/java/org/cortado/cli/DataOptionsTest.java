package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cortado.image.PixelLimit;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.transfer.CodeNet;
import org.cortado.transfer.InputRecipe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class DataOptionsTest {
    /** A command that only parses the mixin. */
    @Command(name = "probe-options")
    static final class Holder {
        @Mixin
        DataOptions data;
    }

    private static DataOptions parse(String... args) {
        Holder h = new Holder();
        new CommandLine(h).parseArgs(args);
        return h.data;
    }

    @AfterEach
    void clearLimit() {
        System.clearProperty(PixelLimit.PROPERTY);
    }

    @Test
    void theCommandRunsUnderItsPixelLimitWhichIsRestoredAfterwardsEvenWhenItFails() {
        System.setProperty(PixelLimit.PROPERTY, "5000");
        DataOptions o = parse("--max-pixels", "250M");
        assertEquals(250_000_000L, o.run(PixelLimit::current));
        assertEquals("5000", System.getProperty(PixelLimit.PROPERTY));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> o.run(() -> {
            assertEquals(250_000_000L, PixelLimit.current());
            throw new IllegalStateException("the work failed");
        }));
        assertEquals("the work failed", e.getMessage());
        assertEquals("5000", System.getProperty(PixelLimit.PROPERTY));
    }

    @Test
    void withoutTheOptionNothingIsSet() {
        DataOptions o = parse();
        assertNull(o.run(() -> System.getProperty(PixelLimit.PROPERTY)));
        assertNull(System.getProperty(PixelLimit.PROPERTY));
    }

    @Test
    void extractionOptionsComeFromTheSameMixin() {
        InputRecipe centre = new InputRecipe(TransformSpec.of(new ResizeMode.Fixed(256, 256), 227), false);
        DataOptions defaults = parse();
        assertEquals(CodeNet.IMAGES_PER_BATCH, defaults.extractorOptions(centre).batchSize());
        assertEquals(CodeNet.IMAGES_PER_PART, defaults.extractorOptions(centre).partSize());
        DataOptions given = parse("--batch", "3", "--threads", "2", "--resume", "--quiet");
        assertEquals(3, given.extractorOptions(centre).batchSize());
        assertEquals(2, given.extractorOptions(centre).threads());
        assertTrue(given.resume() && given.quiet());
    }
}
