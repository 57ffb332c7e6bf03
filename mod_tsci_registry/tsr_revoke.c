/* tsr_revoke: a 32-bit count in a file of the data directory, shared by
 * mapping it: a write through one process's mapping is what every other
 * mapping of the file reads next, with no system call on the reading
 * side (a token lookup stays as cheap as the cache makes it). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <apr_atomic.h>
#include <apr_strings.h>
#include "tsr_revoke.h"

#define COUNT_BYTES sizeof(apr_uint32_t)

typedef struct mapping_t {
    void *addr;
} mapping_t;

static apr_status_t unmap(void *data)
{
    mapping_t *m = data;

    munmap(m->addr, COUNT_BYTES);
    return APR_SUCCESS;
}

/* Open (making it when missing) and map the file.  Growing it to the
 * count's size keeps what another process may have written already. */
static apr_status_t map_file(void **paddr, apr_pool_t *p,
                             const char *datadir, int writable)
{
    const char *path = apr_pstrcat(p, datadir, "/", TSR_REVOKE_FILE, NULL);
    struct stat st;
    apr_status_t rv = APR_SUCCESS;
    void *addr;
    int fd;

    /* Readable by all: the count is no secret, and a tool run by another
     * user than Apache's must not leave a file Apache cannot read. */
    if ((fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CREAT, 0644))
        < 0) {
        /* Readers may lack the right to create it: open what is there. */
        if (writable || (fd = open(path, O_RDONLY)) < 0) {
            return APR_FROM_OS_ERROR(errno);
        }
    }
    if (fstat(fd, &st) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    else if ((size_t)st.st_size < COUNT_BYTES) {
        /* A new file: only a writer can give it its size. */
        int wfd = writable ? fd : open(path, O_RDWR);

        if (wfd < 0 || ftruncate(wfd, COUNT_BYTES) != 0) {
            rv = APR_FROM_OS_ERROR(errno);
        }
        if (wfd >= 0 && wfd != fd) {
            close(wfd);
        }
    }
    if (rv == APR_SUCCESS) {
        addr = mmap(NULL, COUNT_BYTES, PROT_READ | (writable ? PROT_WRITE
                                                             : 0),
                    MAP_SHARED, fd, 0);
        if (addr == MAP_FAILED) {
            rv = APR_FROM_OS_ERROR(errno);
        }
        else {
            *paddr = addr;
        }
    }
    close(fd);
    return rv;
}

apr_status_t tsr_revoke_map(const volatile apr_uint32_t **pcount,
                            apr_pool_t *p, const char *datadir)
{
    mapping_t *m = apr_pcalloc(p, sizeof(*m));
    apr_status_t rv = map_file(&m->addr, p, datadir, 0);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_pool_cleanup_register(p, m, unmap, apr_pool_cleanup_null);
    *pcount = m->addr;
    return APR_SUCCESS;
}

apr_uint32_t tsr_revoke_read(const volatile apr_uint32_t *count)
{
    return count ? apr_atomic_read32((volatile apr_uint32_t *)count) : 0;
}

apr_status_t tsr_revoke_bump(apr_pool_t *p, const char *datadir)
{
    mapping_t m;
    apr_status_t rv = map_file(&m.addr, p, datadir, 1);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_atomic_inc32(m.addr);
    /* Readers see it through their mappings; the disk is only for
     * processes that map it later. */
    msync(m.addr, COUNT_BYTES, MS_ASYNC);
    unmap(&m);
    return APR_SUCCESS;
}
