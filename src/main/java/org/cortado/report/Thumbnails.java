package org.cortado.report;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.cortado.image.BgrImage;
import org.cortado.image.ImageDecoder;
import org.cortado.image.ImageDecodeException;

/**
 * Small JPEG copies of images for the page, as {@code data:} URIs: decoded as the engine decodes them (so the
 * thumbnail shows the pixels the net saw), shrunk by averaging each output pixel's footprint (no aliasing), and
 * encoded at a quality that keeps a gallery of a few hundred images within a megabyte or two.
 */
final class Thumbnails {
    /** Longest side, in pixels: twice the displayed size, sharp on high-density screens. */
    static final int SIDE = 160;
    private static final float QUALITY = 0.8f;

    private Thumbnails() {
    }

    static String dataUri(Path file) throws ImageDecodeException {
        BgrImage image = ImageDecoder.decode(file);
        BgrImage small = shrink(image, SIDE);
        BufferedImage out = new BufferedImage(small.width(), small.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        System.arraycopy(small.pixels(), 0, dst, 0, dst.length);
        return "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg(out));
    }

    /** {@code image} with its longer side at most {@code side}, each pixel the mean of the area it covers. */
    static BgrImage shrink(BgrImage image, int side) {
        double f = Math.max(1, (double) Math.max(image.height(), image.width()) / side);
        int h = Math.max(1, (int) Math.round(image.height() / f));
        int w = Math.max(1, (int) Math.round(image.width() / f));
        if (h == image.height() && w == image.width()) {
            return image;
        }
        double fy = (double) image.height() / h;
        double fx = (double) image.width() / w;
        byte[] out = new byte[h * w * 3];
        double[] sum = new double[3];
        for (int y = 0; y < h; y++) {
            double y0 = y * fy;
            double y1 = y0 + fy;
            for (int x = 0; x < w; x++) {
                double x0 = x * fx;
                double x1 = x0 + fx;
                sum[0] = sum[1] = sum[2] = 0;
                double area = 0;
                for (int sy = (int) y0; sy < Math.min(image.height(), Math.ceil(y1)); sy++) {
                    double wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
                    for (int sx = (int) x0; sx < Math.min(image.width(), Math.ceil(x1)); sx++) {
                        double wgt = wy * (Math.min(x1, sx + 1) - Math.max(x0, sx));
                        for (int c = 0; c < 3; c++) {
                            sum[c] += wgt * image.get(sy, sx, c);
                        }
                        area += wgt;
                    }
                }
                for (int c = 0; c < 3; c++) {
                    out[(y * w + x) * 3 + c] = (byte) Math.round(sum[c] / area);
                }
            }
        }
        return new BgrImage(h, w, out);
    }

    private static byte[] jpeg(BufferedImage image) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(stream);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(QUALITY);
            writer.write(null, new IIOImage(image, null, null), p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot encode a thumbnail: " + e.getMessage(), e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
