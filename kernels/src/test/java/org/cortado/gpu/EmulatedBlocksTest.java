package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The emulated device's thread blocks (emu_blocks.h), through the kernels of {@code src/test/cuda/emulator_checks.cu}:
 * every thread of a block runs with its own index, barriers hold, and the mistakes that the emulator is there to catch
 * on a machine without a GPU (a missing barrier, a barrier not every thread reaches, a write past a buffer) fail.
 */
class EmulatedBlocksTest {

    /**
     * A device built with AddressSanitizer (where g++ has it), whatever -Dcortado.emu.sanitizer says: these tests
     * expect launches that ThreadSanitizer would stop at their races.
     */
    private static EmulatedDevice checked(Map<String, String> environment) {
        return EmulatedDevice.start(EmulatedDevice.Sanitizer.ADDRESS, environment);
    }

    private static float[] run(EmulatedDevice device, String kernel, int grid, int block, int outFloats,
                               Object... args) {
        long out = device.malloc(4L * outFloats);
        Object[] all = new Object[args.length + 1];
        all[0] = out;
        System.arraycopy(args, 0, all, 1, args.length);
        device.launch(kernel, grid, block, all);
        float[] result = new float[outFloats];
        device.download(out, result, 0, outFloats);
        device.free(out);
        return result;
    }

    @Test
    void everyThreadOfEveryBlockRunsWithItsOwnIndex() {
        try (EmulatedDevice device = checked(Map.of())) {
            for (int block : new int[] {1, 64, 256, 1024}) {
                int grid = 3;
                float[] expected = new float[grid * block];
                for (int b = 0; b < grid; b++) {
                    for (int t = 0; t < block; t++) {
                        expected[b * block + t] = 1000 * b + t;
                    }
                }
                assertArrayEquals(expected, run(device, "check_thread_index_kernel", grid, block, grid * block),
                        "blocks of " + block);
            }
        }
    }

    /** Block sums of small integers, exact in float whatever the order of the additions. */
    private static float[] treeSums(EmulatedDevice device, int grid, int block, boolean barriers, float[] expected) {
        float[] x = new float[grid * block];
        for (int i = 0; i < x.length; i++) {
            x[i] = 1 + i % 7;
            expected[i / block] += x[i];
        }
        long input = device.malloc(4L * x.length);
        device.upload(x, 0, x.length, input);
        long out = device.malloc(4L * grid);
        device.launch("check_tree_sum_kernel", grid, block, input, out, barriers ? 1 : 0);
        float[] sums = new float[grid];
        device.download(out, sums, 0, grid);
        device.free(input);
        device.free(out);
        return sums;
    }

    @Test
    void aSharedMemoryTreeWithItsBarriersSumsExactlyInEveryOrder() {
        for (String order : new String[] {"shuffle", "forward", "reverse"}) {
            try (EmulatedDevice device = checked(Map.of("CORTADO_EMU_ORDER", order))) {
                for (int block : new int[] {256, 1024}) {
                    float[] expected = new float[5];
                    float[] sums = treeSums(device, 5, block, true, expected);
                    assertArrayEquals(expected, sums, order + " order, blocks of " + block);
                }
            }
        }
    }

    @Test
    void aTreeWithoutItsBarriersComesOutWrong() {
        // Shuffled (the default) and forward orders run a reader before the thread whose partial sum it reads. (Run
        // highest thread first, this tree happens to see every partial sum complete: the orders vary for that reason.)
        for (String order : new String[] {"shuffle", "forward"}) {
            try (EmulatedDevice device = checked(Map.of("CORTADO_EMU_ORDER", order))) {
                float[] expected = new float[4];
                float[] sums = treeSums(device, 4, 256, false, expected);
                for (int b = 0; b < sums.length; b++) {
                    assertNotEquals(expected[b], sums[b], order + " order, block " + b);
                }
            }
        }
    }

    @Test
    void everyBlockFindsSharedAndFreshDeviceMemoryFilledWithNaN() {
        try (EmulatedDevice device = checked(Map.of())) {
            for (float v : run(device, "check_shared_start_kernel", 3, 256, 3 * 256)) {
                assertTrue(Float.isNaN(v), "shared memory held " + v + " before the block wrote it");
            }
            long fresh = device.malloc(4L * 10);
            float[] values = new float[10];
            device.download(fresh, values, 0, values.length);
            for (float v : values) {
                assertTrue(Float.isNaN(v), "fresh device memory held " + v);
            }
        }
    }

    @Test
    void aThreadThatReturnsBeforeABarrierFailsTheLaunchAndNamesIt() {
        try (EmulatedDevice device = checked(Map.of())) {
            long out = device.malloc(4L * 256);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> device.launch("check_early_return_kernel", 2, 256, out, 5));
            String m = e.getMessage();
            assertTrue(m.contains("check_early_return_kernel") && m.contains("block (0,0,0)")
                    && m.contains("thread (5,0,0) returned while 255 threads wait at __syncthreads() at")
                    && m.contains("emulator_checks.cu:"), m);
            // The device goes on serving: the failed launch is abandoned, not the server.
            assertEquals(1002f, run(device, "check_thread_index_kernel", 2, 4, 8)[6]);
        }
    }

    @Test
    void threadsWaitingAtDifferentBarriersFailTheLaunch() {
        try (EmulatedDevice device = checked(Map.of())) {
            long out = device.malloc(4L * 256);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> device.launch("check_divergent_barrier_kernel", 1, 256, out));
            assertTrue(e.getMessage().contains("a barrier under a divergent condition"), e.getMessage());
        }
    }

    @Test
    void aKernelWritingPastItsBufferStopsTheDeviceWithAddressSanitizersReport() {
        try (EmulatedDevice device = checked(Map.of())) {
            Assumptions.assumeTrue(device.checksBounds(), "the emulated device was built without AddressSanitizer");
            long out = device.malloc(4L * 1000);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> device.launch("check_write_past_end_kernel", 4, 256, out, 1000));
            String m = e.getMessage();
            assertTrue(m.contains("heap-buffer-overflow") && m.contains("check_write_past_end_kernel"), m);
        }
    }

    @Test
    void theAllocatorHandsABoundsCheckingDeviceBlocksOfTheExactSize() {
        try (EmulatedDevice device = checked(Map.of())) {
            Assumptions.assumeTrue(device.checksBounds(), "the emulated device was built without AddressSanitizer");
            DeviceAllocator allocator = new DeviceAllocator(device);
            DeviceAllocator.Block twelve = allocator.allocate(12);
            assertEquals(12, twelve.bytes());
            allocator.release(twelve);
            DeviceAllocator.Block eight = allocator.allocate(8);
            assertEquals(8, eight.bytes());
            assertNotEquals(twelve.address(), eight.address(), "a smaller request took the cached larger block");
            assertEquals(twelve.address(), allocator.allocate(12).address(), "an exact size is reused");
        }
    }

    /** A device built with ThreadSanitizer (skips where g++ cannot build one). */
    private static EmulatedDevice raceChecked() {
        return EmulatedDevice.start(EmulatedDevice.Sanitizer.THREAD, Map.of());
    }

    private static void assertRaceReported(String kernel, int grid, int block, Object... args) {
        try (EmulatedDevice device = raceChecked()) {
            long out = device.malloc(4L * grid * block);
            Object[] all = new Object[args.length + 1];
            all[0] = out;
            System.arraycopy(args, 0, all, 1, args.length);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
                device.launch(kernel, grid, block, all);
                device.download(out, new float[1], 0, 1);
            });
            String m = e.getMessage();
            assertTrue(m.contains("ThreadSanitizer: data race") && m.contains(kernel), m);
        }
    }

    @Test
    void threadSanitizerReportsThreadsOfABlockWritingOneElement() {
        assertRaceReported("check_race_in_block_kernel", 1, 64);
    }

    @Test
    void threadSanitizerReportsTwoBlocksWritingOneElement() {
        assertRaceReported("check_race_between_blocks_kernel", 2, 32);
    }

    @Test
    void threadSanitizerReportsATreeWithoutItsBarriers() {
        try (EmulatedDevice device = raceChecked()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> treeSums(device, 2, 256, false, new float[2]));
            assertTrue(e.getMessage().contains("ThreadSanitizer: data race")
                    && e.getMessage().contains("check_tree_sum_kernel"), e.getMessage());
        }
    }

    @Test
    void threadSanitizerFindsNoRaceInATreeWithItsBarriers() {
        try (EmulatedDevice device = raceChecked()) {
            float[] expected = new float[6];
            float[] sums = treeSums(device, 6, 256, true, expected);
            assertArrayEquals(expected, sums);
        }
    }
}
