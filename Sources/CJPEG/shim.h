#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

/* libjpeg reports errors by calling error_exit, which by default calls exit(). Swift cannot
   longjmp, so the whole decode runs here in C: error_exit longjmps back into this function,
   which cleans up and returns the message. */

struct cjpeg_error_manager {
    struct jpeg_error_mgr base;
    jmp_buf escape;
    char message[JMSG_LENGTH_MAX];
};

static void cjpeg_error_exit(j_common_ptr info) {
    struct cjpeg_error_manager *err = (struct cjpeg_error_manager *)info->err;
    (*info->err->format_message)(info, err->message);
    longjmp(err->escape, 1);
}

/* Warnings (corrupt but decodable data) are not fatal; keep libjpeg quiet about them. */
static void cjpeg_output_message(j_common_ptr info) { (void)info; }

/* Decodes the JPEG at `path` to 8-bit interleaved RGB. On success returns a malloc'ed
   buffer of width*height*3 bytes (caller frees) and sets the size; on failure returns NULL
   and writes a message to `error` (of `error_size` bytes). */
static inline unsigned char *cjpeg_decode_rgb(const char *path, int *width, int *height,
                                              char *error, int error_size) {
    struct jpeg_decompress_struct info;
    struct cjpeg_error_manager err;
    unsigned char *volatile pixels = NULL;
    FILE *volatile file = fopen(path, "rb");
    if (!file) {
        snprintf(error, error_size, "cannot open");
        return NULL;
    }
    info.err = jpeg_std_error(&err.base);
    err.base.error_exit = cjpeg_error_exit;
    err.base.output_message = cjpeg_output_message;
    err.message[0] = 0;
    if (setjmp(err.escape)) {
        jpeg_destroy_decompress(&info);
        fclose(file);
        free(pixels);
        snprintf(error, error_size, "%s", err.message[0] ? err.message : "invalid JPEG");
        return NULL;
    }
    jpeg_create_decompress(&info);
    jpeg_stdio_src(&info, file);
    jpeg_read_header(&info, TRUE);
    info.out_color_space = JCS_RGB;  /* grayscale and YCbCr convert; CMYK errors out */
    jpeg_start_decompress(&info);
    if (info.output_components != 3) {
        snprintf(err.message, sizeof err.message, "unsupported JPEG colour layout (%d components)", info.output_components);
        longjmp(err.escape, 1);
    }
    if ((unsigned long long)info.output_width * info.output_height > (1ULL << 28)) {
        snprintf(err.message, sizeof err.message, "JPEG of %ux%u pixels is too large", info.output_width, info.output_height);
        longjmp(err.escape, 1);
    }
    size_t row = (size_t)info.output_width * 3;
    pixels = (unsigned char *)malloc(row * info.output_height);
    if (!pixels) {
        snprintf(err.message, sizeof err.message, "out of memory for %ux%u image", info.output_width, info.output_height);
        longjmp(err.escape, 1);
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW line = pixels + row * info.output_scanline;
        jpeg_read_scanlines(&info, &line, 1);
    }
    *width = (int)info.output_width;
    *height = (int)info.output_height;
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    fclose(file);
    return pixels;
}
