/*
 * JPEG decoding for org.cortado.image.NativeJpeg over the system's libjpeg-turbo, with the settings of OpenCV 4.6's
 * imread(IMREAD_COLOR) (modules/imgcodecs/src/grfmt_jpeg.cpp), so that the pixels are OpenCV's:
 *   - jpeg_read_header's defaults are kept: dct_method JDCT_ISLOW, do_fancy_upsampling TRUE, no scaling;
 *   - one- and three-component files are converted by libjpeg to B,G,R (OpenCV asks for JCS_RGB and swaps the bytes,
 *     or asks for JCS_EXT_BGR where libjpeg-turbo has it: the same conversion either way);
 *   - four-component files (Adobe CMYK, YCCK) are read as JCS_CMYK (libjpeg converts YCCK) and turned into B,G,R
 *     with OpenCV's formula for Adobe's inverted CMYK: R = K - ((255 - C) * K >> 8), G from M, B from Y;
 *   - Motion-JPEG frames without Huffman tables get the standard tables (libjpeg-turbo does that by itself);
 *   - warnings (corrupt data, premature end of file) do not stop decoding: the rows libjpeg could not read are
 *     filled as libjpeg fills them, as in OpenCV; errors end the decode with libjpeg's message.
 *
 * libjpeg's default error_exit calls exit(), which would end the JVM: errors longjmp back here instead and become
 * a java.io.IOException carrying libjpeg's message. Warnings go nowhere (libjpeg would print them on the process's
 * stderr, past Java's System.err); their count and the first one's text are returned.
 *
 * Hostile files are bounded before anything image-sized is allocated: the frame header's width x height is checked
 * against the caller's pixel limit right after jpeg_read_header (a refusal is reported through info, not thrown, so
 * that the Java side words it); libjpeg's own memory manager gets max_memory_to_use, which caps the whole-image
 * coefficient buffer of progressive files (libjpeg then fails with "Backing store not supported" rather than
 * allocating); and a progress monitor ends files with more scans than the caller allows, as libjpeg-turbo's
 * TurboJPEG API does with its scan limit, since each scan of a progressive file is a pass over the whole image.
 *
 * Compiled by core/src/build/native.sh against libjpeg-turbo's jpeglib.h (JCS_EXTENSIONS) and linked to libjpeg.
 */
#include <jni.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#if !defined(JCS_EXTENSIONS)
#error "jpeglib.h is not libjpeg-turbo's (no JCS_EXTENSIONS): libjpeg 7+ upsamples differently from OpenCV's build"
#endif

/* Rows decoded before each copy into the Java array: few JNI calls, a strip that stays in L2. */
#define STRIP_ROWS 16

/* Slots of the int[] the Java side passes for results; INFO_REFUSED is 1 when the pixel limit refused the file. */
enum { INFO_HEIGHT, INFO_WIDTH, INFO_WARNINGS, INFO_COMPONENTS, INFO_REFUSED, INFO_LENGTH };

struct error_mgr {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    char first_warning[JMSG_LENGTH_MAX];
};

static void on_error(j_common_ptr cinfo) {
    struct error_mgr *err = (struct error_mgr *) cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

/* Replaces libjpeg's emit_message: warnings (level -1) are counted and the first one's text kept; trace messages
 * (levels 0 and up) are dropped. */
static void on_emit(j_common_ptr cinfo, int msg_level) {
    struct error_mgr *err = (struct error_mgr *) cinfo->err;
    if (msg_level < 0) {
        if (err->pub.num_warnings == 0) {
            (*cinfo->err->format_message)(cinfo, err->first_warning);
        }
        err->pub.num_warnings++;
    }
}

/* Ends the decode once the file has started more scans than allowed (libjpeg-turbo's tjDecompress does the same). */
struct scan_limit {
    struct jpeg_progress_mgr pub;
    int max_scans;
};

static void on_progress(j_common_ptr cinfo) {
    struct scan_limit *limit = (struct scan_limit *) cinfo->progress;
    j_decompress_ptr dinfo = (j_decompress_ptr) cinfo;
    if (cinfo->is_decompressor && dinfo->input_scan_number > limit->max_scans) {
        struct error_mgr *err = (struct error_mgr *) cinfo->err;
        snprintf(err->message, sizeof err->message, "progressive JPEG with more than %d scans", limit->max_scans);
        longjmp(err->jump, 1);
    }
}

static void throw_io(JNIEnv *env, const char *message) {
    jclass cls = (*env)->FindClass(env, "java/io/IOException");
    if (cls != NULL) {
        (*env)->ThrowNew(env, cls, message);
    }
}

/* One decode's resources, reachable after a longjmp (locals changed after setjmp would be indeterminate). */
struct decode {
    struct jpeg_decompress_struct cinfo;
    struct error_mgr err;
    struct scan_limit scans;
    unsigned char *input;
    unsigned char *strip;
    unsigned char *bgr;
    jbyteArray out;
    int pixels_done;
    /* The first frame header's size and components, kept apart from cinfo: a second SOF marker read while
     * decoding (a damaged or hostile file) overwrites cinfo's, and the pixels are laid out by the first. */
    JDIMENSION height;
    JDIMENSION width;
    int components;
};

/* Fills the Java side's int[] (see INFO_*) and, where libjpeg warned, warning[0] with the first warning's text. */
static void report(JNIEnv *env, jintArray info, jobjectArray warning, struct decode *d, int refused) {
    jint result[INFO_LENGTH];
    /* The frame header's size: the output size too, since nothing here scales. */
    result[INFO_HEIGHT] = (jint) d->height;
    result[INFO_WIDTH] = (jint) d->width;
    long warnings = d->cinfo.err->num_warnings;
    result[INFO_WARNINGS] = warnings > INT_MAX ? INT_MAX : (jint) warnings;
    result[INFO_COMPONENTS] = d->components;
    result[INFO_REFUSED] = refused;
    (*env)->SetIntArrayRegion(env, info, 0, INFO_LENGTH, result);
    if (warnings > 0 && !(*env)->ExceptionCheck(env)) {
        jstring text = (*env)->NewStringUTF(env, d->err.first_warning);
        if (text != NULL) {
            (*env)->SetObjectArrayElement(env, warning, 0, text);
        }
    }
}

static void release(struct decode *d) {
    jpeg_destroy_decompress(&d->cinfo);
    free(d->input);
    free(d->strip);
    free(d->bgr);
}

/* Adobe's inverted CMYK to B,G,R: OpenCV's icvCvt_CMYK2BGR_8u_C4C3R. */
static void cmyk_to_bgr(const unsigned char *cmyk, unsigned char *bgr, JDIMENSION width) {
    for (JDIMENSION x = 0; x < width; x++, cmyk += 4, bgr += 3) {
        int k = cmyk[3];
        bgr[2] = (unsigned char) (k - (((255 - cmyk[0]) * k) >> 8));
        bgr[1] = (unsigned char) (k - (((255 - cmyk[1]) * k) >> 8));
        bgr[0] = (unsigned char) (k - (((255 - cmyk[2]) * k) >> 8));
    }
}

/*
 * byte[] NativeJpeg.decode(byte[] jpeg, int length, long maxPixels, long maxMemory, int maxScans, int[] info,
 * String[] warning): the file's first `length` bytes decoded to height * width * 3 bytes B,G,R row after row; info
 * receives height, width, the number of libjpeg warnings, the number of components in the file and whether the
 * pixel limit refused it; warning[0] the first warning's text, if any. A frame of more than maxPixels pixels returns
 * null with INFO_REFUSED set, before anything image-sized is allocated; maxMemory caps libjpeg's own allocations
 * (max_memory_to_use) and maxScans the number of scans. Throws IOException with libjpeg's message when the data
 * does not decode.
 */
JNIEXPORT jbyteArray JNICALL Java_org_cortado_image_NativeJpeg_decode(JNIEnv *env, jclass cls, jbyteArray jpeg,
                                                                      jint length, jlong max_pixels, jlong max_memory,
                                                                      jint max_scans, jintArray info,
                                                                      jobjectArray warning) {
    (void) cls;
    struct decode *d = calloc(1, sizeof *d);
    if (d == NULL) {
        throw_io(env, "out of native memory for a JPEG decoder");
        return NULL;
    }
    d->cinfo.err = jpeg_std_error(&d->err.pub);
    d->err.pub.error_exit = on_error;
    d->err.pub.emit_message = on_emit;
    if (setjmp(d->err.jump)) {
        /* d itself was not changed after setjmp (only what it points to), so it is still valid here. */
        jbyteArray out = NULL;
        if (d->pixels_done) {
            /* Every row was read and only jpeg_finish_decompress (the data after the last row) failed: OpenCV has
             * already taken the image at that point, so the image stands, with the error counted as a warning. */
            if (d->cinfo.err->num_warnings == 0) {
                memcpy(d->err.first_warning, d->err.message, sizeof d->err.first_warning);
            }
            d->cinfo.err->num_warnings++;
            report(env, info, warning, d, 0);
            out = d->out;
        } else if (!(*env)->ExceptionCheck(env)) {
            throw_io(env, d->err.message);
        }
        release(d);
        free(d);
        return out;
    }
    jpeg_create_decompress(&d->cinfo);
    if (length <= 0 || length > (*env)->GetArrayLength(env, jpeg)) {
        throw_io(env, "no JPEG data");
        release(d);
        free(d);
        return NULL;
    }
    /* A copy rather than a pinned array: decoding takes milliseconds, and a critical region would stall the GC. */
    d->input = malloc((size_t) length);
    if (d->input == NULL) {
        throw_io(env, "out of native memory for the JPEG data");
        release(d);
        free(d);
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, jpeg, 0, length, (jbyte *) d->input);
    jpeg_mem_src(&d->cinfo, d->input, (unsigned long) length);
    jpeg_read_header(&d->cinfo, TRUE);
    d->height = d->cinfo.image_height;
    d->width = d->cinfo.image_width;
    d->components = d->cinfo.num_components;
    if ((unsigned long long) d->width * d->height > (unsigned long long) max_pixels) {
        report(env, info, warning, d, 1);
        release(d);
        free(d);
        return NULL;
    }
    d->cinfo.mem->max_memory_to_use = (long) max_memory;
    d->scans.pub.progress_monitor = on_progress;
    d->scans.max_scans = max_scans;
    d->cinfo.progress = &d->scans.pub;
    int four = d->cinfo.num_components == 4;
    d->cinfo.out_color_space = four ? JCS_CMYK : JCS_EXT_BGR;
    jpeg_start_decompress(&d->cinfo);

    JDIMENSION width = d->cinfo.output_width;
    JDIMENSION height = d->cinfo.output_height;
    size_t row_bytes = (size_t) width * 3;
    if ((unsigned long long) row_bytes * height > (unsigned long long) INT_MAX - 16) {
        snprintf(d->err.message, sizeof d->err.message, "image of %u x %u pixels is too large for a Java array",
                 (unsigned) width, (unsigned) height);
        longjmp(d->err.jump, 1);
    }
    d->out = (*env)->NewByteArray(env, (jsize) (row_bytes * height));
    if (d->out == NULL) {
        /* OutOfMemoryError is pending and is what the caller sees. */
        release(d);
        free(d);
        return NULL;
    }
    int components = d->cinfo.output_components;
    d->strip = malloc((size_t) width * components * STRIP_ROWS);
    d->bgr = four ? malloc(row_bytes * STRIP_ROWS) : NULL;
    if (d->strip == NULL || (four && d->bgr == NULL)) {
        snprintf(d->err.message, sizeof d->err.message, "out of native memory for %u-pixel rows", (unsigned) width);
        longjmp(d->err.jump, 1);
    }
    JSAMPROW rows[STRIP_ROWS];
    for (int i = 0; i < STRIP_ROWS; i++) {
        rows[i] = d->strip + (size_t) i * width * components;
    }
    while (d->cinfo.output_scanline < height) {
        JDIMENSION first = d->cinfo.output_scanline;
        JDIMENSION n = 0;
        while (n < STRIP_ROWS && d->cinfo.output_scanline < height) {
            n += jpeg_read_scanlines(&d->cinfo, rows + n, STRIP_ROWS - n);
        }
        const unsigned char *src = d->strip;
        if (four) {
            for (JDIMENSION i = 0; i < n; i++) {
                cmyk_to_bgr(rows[i], d->bgr + i * row_bytes, width);
            }
            src = d->bgr;
        }
        (*env)->SetByteArrayRegion(env, d->out, (jsize) (first * row_bytes), (jsize) (n * row_bytes),
                                   (const jbyte *) src);
    }
    d->pixels_done = 1;
    jpeg_finish_decompress(&d->cinfo);

    report(env, info, warning, d, 0);
    jbyteArray out = d->out;
    release(d);
    free(d);
    return out;
}

/* String NativeJpeg.headers(): which jpeglib.h this library was compiled against. */
#define CORTADO_STR2(x) #x
#define CORTADO_STR(x) CORTADO_STR2(x)

JNIEXPORT jstring JNICALL Java_org_cortado_image_NativeJpeg_headers(JNIEnv *env, jclass cls) {
    (void) cls;
#if defined(LIBJPEG_TURBO_VERSION)
    return (*env)->NewStringUTF(env, "libjpeg-turbo " CORTADO_STR(LIBJPEG_TURBO_VERSION) ", libjpeg API "
                                     CORTADO_STR(JPEG_LIB_VERSION));
#else
    return (*env)->NewStringUTF(env, "libjpeg-turbo (version not stated), libjpeg API " CORTADO_STR(JPEG_LIB_VERSION));
#endif
}
