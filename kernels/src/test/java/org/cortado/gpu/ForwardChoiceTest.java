package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.cortado.backend.ConvGeometry;
import org.junit.jupiter.api.Test;

/**
 * ForwardChoice's decisions, with stand-in ways whose costs differ by far more than a busy machine's jitter (a 40 ms
 * sleep against nothing): which way wins, how often each ran, what is remembered, and the ways that cannot run.
 */
class ForwardChoiceTest {
    private static final ConvGeometry CONV = new ConvGeometry(1, 64, 13, 13, 96, 3, 3, 1, 1, 1, 1, 1, 1, 2);
    private static final long SLOW_MS = 40;

    private final AtomicInteger syncs = new AtomicInteger();
    private final ForwardChoice choice = new ForwardChoice(syncs::incrementAndGet, false);
    private final AtomicInteger cudnnRuns = new AtomicInteger();
    private final AtomicInteger gemmRuns = new AtomicInteger();

    private BooleanSupplier cudnn(boolean slow, boolean can) {
        return () -> {
            cudnnRuns.incrementAndGet();
            if (slow) {
                sleep();
            }
            return can;
        };
    }

    private Runnable gemm(boolean slow) {
        return () -> {
            gemmRuns.incrementAndGet();
            if (slow) {
                sleep();
            }
        };
    }

    private static void sleep() {
        try {
            Thread.sleep(SLOW_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theFasterWayWinsAndIsRememberedPerShapeAndOutputWidth() {
        assertTrue(choice.gemmIsFaster(CONV, 96, false, cudnn(true, true), gemm(false)));
        // A warm-up and three timed runs each, every run waited for.
        assertEquals(4, cudnnRuns.get());
        assertEquals(4, gemmRuns.get());
        assertEquals(8, syncs.get());
        // Remembered: no more runs for the same shape, whatever the ways would now cost.
        assertTrue(choice.gemmIsFaster(CONV, 96, false, cudnn(false, true), gemm(true)));
        assertEquals(4, cudnnRuns.get());
        // Into a wider tensor (a concat's) the same geometry is a shape of its own.
        assertFalse(choice.gemmIsFaster(CONV, 192, false, cudnn(false, true), gemm(true)));
        assertArrayEquals(new int[] {2, 1}, choice.tally());
    }

    @Test
    void whileCapturingAnUnmetShapeGoesToCudnnUntimedAndUnrecorded() {
        assertFalse(choice.gemmIsFaster(CONV, 96, true, cudnn(true, true), gemm(false)));
        assertEquals(0, cudnnRuns.get() + gemmRuns.get() + syncs.get());
        assertArrayEquals(new int[] {0, 0}, choice.tally());
        // Met outside a capture later, it is timed then.
        assertTrue(choice.gemmIsFaster(CONV, 96, false, cudnn(true, true), gemm(false)));
        assertArrayEquals(new int[] {1, 1}, choice.tally());
    }

    @Test
    void aWayThatCannotRunTheShapeLoses() {
        // cuDNN without an algorithm for the strided output: GEMM, however slow.
        assertTrue(choice.gemmIsFaster(CONV, 96, false, cudnn(false, false), gemm(true)));
        assertEquals(1, cudnnRuns.get());
        // im2col too large for a layer: cuDNN.
        Runnable tooLarge = () -> {
            throw new IllegalArgumentException("im2col matrix too large");
        };
        assertFalse(choice.gemmIsFaster(CONV, 128, false, cudnn(true, true), tooLarge));
    }

    @Test
    void aShapeNeitherWayCanRunIsAnErrorThatNamesIt() {
        Runnable tooLarge = () -> {
            throw new IllegalArgumentException("im2col matrix too large");
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> choice.gemmIsFaster(CONV, 96, false, cudnn(false, false), tooLarge));
        assertTrue(e.getMessage().contains(CONV.toString()), e.getMessage());
    }
}
