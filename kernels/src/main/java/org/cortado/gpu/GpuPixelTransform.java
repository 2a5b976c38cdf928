package org.cortado.gpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.cortado.image.PixelBatch;
import org.cortado.tensor.Tensor;

/**
 * Caffe's DataTransformer after the resize, on the GPU ({@code transform.cu}, reference
 * {@link PixelBatch#transformInto}): a batch crosses the bus as 8-bit pixels and a layout of six ints per image, and
 * the kernel crops, mirrors, subtracts the mean and scales.
 */
final class GpuPixelTransform {
    private final GpuDevice device;
    /** The last mean array {@link #transform} met, and its copy on the device. */
    private float[] meanKey;
    private DeviceBuffer meanCopy;

    GpuPixelTransform(GpuDevice device) {
        this.device = device;
    }

    void transform(PixelBatch batch, Tensor output) {
        if (output.count() != batch.outputShape().count()) {
            throw new IllegalArgumentException("output " + output.shape() + " does not hold the batch's "
                    + batch.outputShape());
        }
        if (batch.count() == 0) {
            return;
        }
        // Pixels and layout cross as bytes into one scratch buffer: the pixels, then the layout at a 4-byte boundary.
        int pixelBytes = batch.pixels().length;
        int layoutAt = (pixelBytes + 3) & ~3;
        ByteBuffer layout = ByteBuffer.allocate(batch.layout().length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        layout.asIntBuffer().put(batch.layout());
        DeviceBuffer scratch = device.allocateBuffer(layoutAt / Float.BYTES + batch.layout().length);
        DeviceApi api = device.current();
        api.uploadBytes(batch.pixels(), 0, pixelBytes, scratch.address(0));
        api.uploadBytes(layout.array(), 0, layout.capacity(), scratch.address(0) + layoutAt);
        float[] mean = batch.meanImage() != null ? batch.meanImage() : batch.meanValues();
        int meanMode = batch.meanImage() != null ? 4 : mean.length;
        device.run(Kernel.TRANSFORM_PIXELS, output.count(), scratch.address(0), scratch.address(0) + layoutAt,
                meanMode == 0 ? 0L : meanOnDevice(mean), meanMode, batch.scale(), device.addr(output), batch.count(),
                batch.cropHeight(), batch.cropWidth());
    }

    /**
     * {@code mean} on the device: uploaded once per array (a transformer keeps one mean image per size, and a pixel
     * batch's arrays do not change), so a training run sends its mean image once, not with every batch.
     */
    private long meanOnDevice(float[] mean) {
        if (mean != meanKey) {
            meanCopy = device.allocateBuffer(mean.length);
            device.current().upload(mean, 0, mean.length, meanCopy.address(0));
            meanKey = mean;
        }
        return meanCopy.address(0);
    }
}
