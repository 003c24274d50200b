/* The candidate stage in C: `candidates.CandidateIndex.candidates` and `.any` with the same answers.
 *
 * Why: in Python (even compiled with mypyc) the stage cost 11.5-16.5 us a message, most of it the
 * interpreter turning ~3.4 automaton hits a message into set, dict and big-int work. Here one pass of one
 * Aho-Corasick automaton (a dense DFA over the code points the literals use; every other code point is
 * symbol 0, which only leads back towards the root) finds every literal, word edges are checked as
 * `candidates._scan` checks them, and the mask algebra of `candidates` runs on fixed-size bitsets.
 *
 * The same automaton answers the personal-details pass's literal scans (`Literals`, at the end).
 *
 * The tables come from `CandidateIndex.__init__` (`_native_tables`), which stays the reference: the
 * Python code runs when this module is not built, is stale, or HOTLINE_PURE_PYTHON=1.
 * C99, CPython C API only. Built by setup.py at install (`make install`, `pip install -e .`); it runs only
 * while its source's digest is the one recorded then (`compilation.native_current`), so a hand-made build
 * (gcc -O2 -shared -fPIC -I<Python include> ... -o _automaton<EXT_SUFFIX>) needs
 * `compilation.record_native(Path("hotline/detect"), Path("hotline/detect"))` after it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MOST_PHRASE_SEARCHES 16 /* the most phrases an item may have searched one by one (`candidates`) */
#if defined(__GNUC__)
#define HOT_INLINE static inline __attribute__((always_inline))
#else
#define HOT_INLINE static inline
#endif

/* A literal: 32 bytes, one cache line (a scan reads one for each literal it finds). */
typedef struct {
    int32_t length;
    int32_t next;               /* the next literal ending where it ends (its longest proper suffix that is one), -1 */
    int32_t stem_off, stem_cnt; /* items its stem stands for: `stem_cnt` ids in `ints` from `stem_off`, or (when they
                                   are many, `stem_cnt` -1) the row `stem_off` of `stem_rows` */
    int32_t fid[4];             /* features when found: anywhere, starting a word, ending one, whole word (-1: none) */
} Lit;

/* Whether a literal counts only with word edges (one of fid[1..3] set: all of them -1 has the sign bit). */
#define LIT_EDGES(lit) (((lit)->fid[1] & (lit)->fid[2] & (lit)->fid[3]) >= 0)

typedef struct {
    uint64_t sig;  /* bit g % 64 of each of its groups g: one test rules out most entries */
    int32_t item, rest_off, rest_cnt, ph_off, ph_cnt;
} Filed;

#define FEAT_GROUPS 4

/* A feature's tables side by side, 32 bytes (one cache line, where separate arrays cost a line each): a message
   finds ~8 features, each read once for the items it reaches, its groups and its entries. */
typedef struct {
    int32_t reach_row;          /* its row in `reach` (an anchor), -1 */
    int32_t filed_off, filed_cnt; /* its entries in `filed` */
    int32_t grp_cnt;            /* the groups it is in: up to FEAT_GROUPS in `grp`, else from `ints[grp[0]]` */
    int32_t grp[FEAT_GROUPS];
} Feat;

typedef struct {
    int32_t ph_word;   /* its first word of phrase bits */
    int32_t ph_words;  /* how many words */
    uint8_t narrowed, has_free;
    uint8_t by_phrase; /* the most phrases searched one by one (0: none, the whole rule) */
} Item;

/* An answer's (item, phrases) pair, kept: the same few pairs recur message after message, and a kept one costs
   a new reference where a new one cost a tuple (and a tuple and ints for its phrases). */
typedef struct {
    PyObject *pair;
    int32_t item, n, pid[MOST_PHRASE_SEARCHES];
} Kept;

#define KEPT_SLOTS 2048 /* a power of two; at most half of them used, then new pairs are made afresh */

typedef struct {
    PyObject_HEAD
    PyObject *items;       /* tuple */
    Py_ssize_t n_items, n_features, n_groups;
    int empty;             /* no literal at all: nothing is ever a candidate */
    /* automaton */
    int32_t nsym, nstates;
    uint16_t *sym_low;     /* code point -> symbol for code points < n_low */
    uint16_t sym_byte[256]; /* the same for every code point of a 1-byte string */
    Py_UCS4 n_low;
    Py_UCS4 *high_cp;      /* sorted code points >= n_low with their symbols */
    uint16_t *high_sym;
    Py_ssize_t n_high;
    int32_t *delta;        /* (the trie and DFA while `build_automaton` makes them) */
    uint32_t *delta32;     /* nstates * nsym: the next state and its flags, when there are more than 16384 states */
    uint16_t *delta16;     /* the same, when there are fewer (half the memory: the hot rows stay in cache) */
    int32_t nsym_byte;     /* the symbols of code points below 256 (and of their lowercase): 0 .. nsym_byte - 1 */
    uint32_t *byte32;      /* nstates * nsym_byte: the first columns of `delta32`, the table a 1-byte text walks: */
    uint16_t *byte16;      /* (or of `delta16`) 76 bytes a state, not 200, so a Latin text's states share cache
                              lines instead of each bringing its Khmer columns along */
    int32_t *first_lit;    /* per state: the longest literal ending there (the others follow by `Lit.next`), -1 */
    int32_t *first_out, *out_link, *lit_at; /* (output chains by state while building) */
    uint8_t *has_stem;     /* per state: a stem ends there or at a suffix state (while building) */
    Lit *lits;             /* aligned to 64 bytes in `lits_mem` */
    void *lits_mem;
    Py_ssize_t n_lits;
    int32_t *ints;         /* shared pool of id lists */
    uint64_t *stem_rows;   /* item words of the stems that stand for many items */
    Py_ssize_t n_ints;
    /* features */
    Feat *feat;            /* aligned to 64 bytes in `feat_mem` */
    void *feat_mem;
    uint64_t *reach;       /* rows of item words */
    Filed *filed;
    uint64_t *always;      /* item words */
    Item *item;
    uint64_t *free_bits;   /* phrase bits with nothing to look for */
    Py_ssize_t wi, wf, wg, wp; /* words of items, features, groups, phrase bits */
    /* scratch, used when not busy (the GIL is held throughout a call) */
    uint64_t *scratch;
    int32_t *found_list;
    int busy;
    /* answers' pairs: (item, None) per item, made at first use, and (item, phrases) in a table */
    PyObject **pair_none;
    Kept *kept;
    Py_ssize_t n_kept;
} Index;

static void
index_dealloc(Index *self)
{
    Py_XDECREF(self->items);
    PyMem_Free(self->sym_low); PyMem_Free(self->high_cp); PyMem_Free(self->high_sym);
    PyMem_Free(self->delta); PyMem_Free(self->delta32); PyMem_Free(self->delta16);
    PyMem_Free(self->byte32); PyMem_Free(self->byte16); PyMem_Free(self->first_out); PyMem_Free(self->out_link);
    PyMem_Free(self->lit_at); PyMem_Free(self->has_stem); PyMem_Free(self->lits_mem); PyMem_Free(self->ints);
    PyMem_Free(self->first_lit);
    PyMem_Free(self->stem_rows);
    if (self->pair_none != NULL)
        for (Py_ssize_t i = 0; i < self->n_items; i++)
            Py_XDECREF(self->pair_none[i]);
    if (self->kept != NULL)
        for (Py_ssize_t k = 0; k < KEPT_SLOTS; k++)
            Py_XDECREF(self->kept[k].pair);
    PyMem_Free(self->pair_none); PyMem_Free(self->kept);
    PyMem_Free(self->feat_mem); PyMem_Free(self->reach); PyMem_Free(self->filed);
    PyMem_Free(self->always); PyMem_Free(self->item);
    PyMem_Free(self->free_bits); PyMem_Free(self->scratch); PyMem_Free(self->found_list);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static void *
zalloc(Py_ssize_t count, size_t size)
{
    if (count <= 0)
        count = 1;
    if ((size_t)count > SIZE_MAX / size) {
        PyErr_NoMemory();
        return NULL;
    }
    void *p = PyMem_Calloc((size_t)count, size);
    if (p == NULL)
        PyErr_NoMemory();
    return p;
}

/* `count` zeroed records of `size` bytes, 64-byte aligned (a record of 32 never straddles two cache lines); the
   memory to free in `*mem`. NULL when memory runs out. */
static void *
zalloc64(Py_ssize_t count, size_t size, void **mem)
{
    if (count <= 0)
        count = 1;
    if ((size_t)count > (SIZE_MAX - 64) / size) {
        PyErr_NoMemory();
        return NULL;
    }
    *mem = PyMem_Calloc((size_t)count * size + 64, 1);
    if (*mem == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    return (void *)(((uintptr_t)*mem + 63) & ~(uintptr_t)63);
}

static int
alloc_lits(Index *self, Py_ssize_t n)
{
    self->lits = zalloc64(n, sizeof(Lit), &self->lits_mem);
    return self->lits == NULL ? -1 : 0;
}

/* ---- reading the tables ---- */

static long
as_id(PyObject *o, Py_ssize_t limit, const char *what)
{
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred())
        return -2;
    if (v < -1 || v >= limit) {
        PyErr_Format(PyExc_ValueError, "%s id %ld out of range", what, v);
        return -2;
    }
    return v;
}

/* Append the ids of a sequence to the pool; -1 on error. */
static int
pool_ids(Index *self, Py_ssize_t *cap, PyObject *seq, Py_ssize_t limit, const char *what,
         int32_t *off, int32_t *cnt)
{
    PyObject *fast = PySequence_Fast(seq, "expected a sequence of ids");
    if (fast == NULL)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if (self->n_ints + n > *cap) {
        Py_ssize_t ncap = (*cap + n) * 2;
        int32_t *p = PyMem_Realloc(self->ints, (size_t)ncap * sizeof(int32_t));
        if (p == NULL) {
            Py_DECREF(fast);
            PyErr_NoMemory();
            return -1;
        }
        self->ints = p;
        *cap = ncap;
    }
    *off = (int32_t)self->n_ints;
    *cnt = (int32_t)n;
    for (Py_ssize_t k = 0; k < n; k++) {
        long v = as_id(PySequence_Fast_GET_ITEM(fast, k), limit, what);
        if (v < 0) {
            if (v == -1)
                PyErr_Format(PyExc_ValueError, "%s id out of range", what);
            Py_DECREF(fast);
            return -1;
        }
        self->ints[self->n_ints++] = (int32_t)v;
    }
    Py_DECREF(fast);
    return 0;
}

HOT_INLINE uint16_t
symbol_of(const Index *self, Py_UCS4 cp)
{
    if (cp < self->n_low)
        return self->sym_low[cp];
    Py_ssize_t lo = 0, hi = self->n_high;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (self->high_cp[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < self->n_high && self->high_cp[lo] == cp) ? self->high_sym[lo] : 0;
}

static int
cmp_ucs4(const void *a, const void *b)
{
    Py_UCS4 x = *(const Py_UCS4 *)a, y = *(const Py_UCS4 *)b;
    return (x > y) - (x < y);
}

#define LOW_LIMIT 0x10000

/* A DFA cell holds the next state and two flags of it: a literal ends there or at a suffix state (HIT; then
   `first_lit` is read: a step that finds nothing reads no other table than the row) and a stem does (STEM). */
#define D16_STATE 0x3FFFu
#define D16_HIT 0x4000u
#define D16_STEM 0x8000u
#define D32_STATE 0x3FFFFFFFu
#define D32_HIT 0x40000000u
#define D32_STEM 0x80000000u

/* The automaton over `texts` (a list of str, none empty, no two alike): symbols, trie, DFA, outputs. */
static int
build_automaton(Index *self, PyObject *texts)
{
    Py_ssize_t n = PyList_GET_SIZE(texts), total = 0, ncp = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *t = PyList_GET_ITEM(texts, k);
        if (!PyUnicode_Check(t) || PyUnicode_GET_LENGTH(t) == 0) {
            PyErr_SetString(PyExc_ValueError, "literals must be non-empty strings");
            return -1;
        }
        total += PyUnicode_GET_LENGTH(t);
    }
    /* the symbols: every code point a literal uses, numbered from 1 in ascending order */
    Py_UCS4 *cps = zalloc(total, sizeof(Py_UCS4));
    if (cps == NULL)
        return -1;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *t = PyList_GET_ITEM(texts, k);
        int kind = PyUnicode_KIND(t);
        const void *data = PyUnicode_DATA(t);
        for (Py_ssize_t j = 0; j < PyUnicode_GET_LENGTH(t); j++)
            cps[ncp++] = PyUnicode_READ(kind, data, j);
    }
    qsort(cps, (size_t)ncp, sizeof(Py_UCS4), cmp_ucs4);
    Py_ssize_t nu = 0;
    for (Py_ssize_t k = 0; k < ncp; k++)
        if (nu == 0 || cps[nu - 1] != cps[k])
            cps[nu++] = cps[k];
    if (nu >= 65535) {
        PyMem_Free(cps);
        PyErr_SetString(PyExc_ValueError, "too many distinct characters in the literals");
        return -1;
    }
    self->nsym = (int32_t)nu + 1;
    Py_UCS4 max_low = 0;
    Py_ssize_t n_high = 0;
    for (Py_ssize_t k = 0; k < nu; k++) {
        if (cps[k] < LOW_LIMIT)
            max_low = cps[k];
        else
            n_high++;
    }
    self->n_low = max_low + 1;
    self->sym_low = zalloc((Py_ssize_t)self->n_low, sizeof(uint16_t));
    self->high_cp = zalloc(n_high, sizeof(Py_UCS4));
    self->high_sym = zalloc(n_high, sizeof(uint16_t));
    if (!self->sym_low || !self->high_cp || !self->high_sym) {
        PyMem_Free(cps);
        return -1;
    }
    for (Py_ssize_t k = 0; k < nu; k++) {
        if (cps[k] < LOW_LIMIT)
            self->sym_low[cps[k]] = (uint16_t)(k + 1);
        else {
            self->high_cp[self->n_high] = cps[k];
            self->high_sym[self->n_high++] = (uint16_t)(k + 1);
        }
    }
    PyMem_Free(cps);
    self->nsym_byte = 1;
    for (Py_UCS4 cp = 0; cp < 256; cp++) {
        self->sym_byte[cp] = symbol_of(self, cp);
        uint16_t folded = symbol_of(self, Py_UNICODE_TOLOWER(cp));
        if (self->sym_byte[cp] >= self->nsym_byte)
            self->nsym_byte = self->sym_byte[cp] + 1;
        if (folded >= self->nsym_byte)
            self->nsym_byte = folded + 1;
    }

    /* the trie, in the DFA's table (0: no child yet; no trie edge leads to the root) */
    Py_ssize_t cap = total + 1, nsym = self->nsym;
    if ((size_t)cap > (size_t)INT32_MAX / (size_t)nsym) {
        PyErr_SetString(PyExc_ValueError, "too many literals");
        return -1;
    }
    int32_t *delta = zalloc(cap * nsym, sizeof(int32_t));
    int32_t *lit_at = zalloc(cap, sizeof(int32_t));
    if (delta == NULL || lit_at == NULL) {
        PyMem_Free(delta); PyMem_Free(lit_at);
        return -1;
    }
    self->delta = delta;
    self->lit_at = lit_at;
    for (Py_ssize_t s = 0; s < cap; s++)
        lit_at[s] = -1;
    int32_t nstates = 1;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *t = PyList_GET_ITEM(texts, k);
        int kind = PyUnicode_KIND(t);
        const void *data = PyUnicode_DATA(t);
        int32_t s = 0;
        for (Py_ssize_t j = 0; j < PyUnicode_GET_LENGTH(t); j++) {
            uint16_t c = symbol_of(self, PyUnicode_READ(kind, data, j));
            int32_t next = delta[(Py_ssize_t)s * nsym + c];
            if (next == 0) {
                next = nstates++;
                delta[(Py_ssize_t)s * nsym + c] = next;
            }
            s = next;
        }
        if (lit_at[s] >= 0) {
            PyErr_SetString(PyExc_ValueError, "a literal is listed twice");
            return -1;
        }
        lit_at[s] = (int32_t)k;
    }
    self->nstates = nstates;
    /* failure links breadth first; a state's row is completed when it leaves the queue */
    int32_t *fail = zalloc(nstates, sizeof(int32_t));
    int32_t *queue = zalloc(nstates, sizeof(int32_t));
    self->first_out = zalloc(nstates, sizeof(int32_t));
    self->out_link = zalloc(nstates, sizeof(int32_t));
    self->has_stem = zalloc(nstates, sizeof(uint8_t));
    if (!fail || !queue || !self->first_out || !self->out_link || !self->has_stem) {
        PyMem_Free(fail); PyMem_Free(queue);
        return -1;
    }
    Py_ssize_t head = 0, tail = 0;
    self->first_out[0] = self->out_link[0] = -1;
    for (Py_ssize_t c = 0; c < nsym; c++) {
        int32_t t = delta[c];
        if (t) {
            fail[t] = 0;
            queue[tail++] = t;
        }
    }
    while (head < tail) {
        int32_t s = queue[head++];
        int32_t f = fail[s];
        self->out_link[s] = lit_at[f] >= 0 ? f : self->out_link[f];
        self->first_out[s] = lit_at[s] >= 0 ? s : self->out_link[s];
        self->has_stem[s] = (uint8_t)((lit_at[s] >= 0 && self->lits[lit_at[s]].stem_cnt != 0) || self->has_stem[f]);
        int32_t *row = delta + (Py_ssize_t)s * nsym, *frow = delta + (Py_ssize_t)f * nsym;
        for (Py_ssize_t c = 0; c < nsym; c++) {
            int32_t t = row[c];
            if (t) {
                fail[t] = frow[c];
                queue[tail++] = t;
            }
            else
                row[c] = frow[c];
        }
    }
    PyMem_Free(fail);
    /* States renumbered breadth first: the shallow states, where a scan spends most of its steps, in the
       first rows of the table. */
    int32_t *newid = zalloc(nstates, sizeof(int32_t));
    int32_t *first2 = zalloc(nstates, sizeof(int32_t));
    uint8_t *stem2 = zalloc(nstates, sizeof(uint8_t));
    uint32_t *d32 = NULL, *flags = NULL;
    uint16_t *d16 = NULL;
    if (nstates > (int32_t)D32_STATE) {
        PyMem_Free(queue); PyMem_Free(newid); PyMem_Free(first2); PyMem_Free(stem2);
        PyErr_SetString(PyExc_ValueError, "too many literals");
        return -1;
    }
    if (nstates <= (int32_t)D16_STATE + 1)
        d16 = zalloc((Py_ssize_t)nstates * nsym, sizeof(uint16_t));
    else
        d32 = zalloc((Py_ssize_t)nstates * nsym, sizeof(uint32_t));
    flags = zalloc(nstates, sizeof(uint32_t));
    if (!newid || !first2 || !stem2 || (!d16 && !d32) || !flags) {
        PyMem_Free(queue); PyMem_Free(newid); PyMem_Free(first2);
        PyMem_Free(stem2); PyMem_Free(d16); PyMem_Free(d32); PyMem_Free(flags);
        return -1;
    }
    for (Py_ssize_t k = 0; k < tail; k++)
        newid[queue[k]] = (int32_t)(k + 1);
    PyMem_Free(queue);
    for (int32_t old = 0; old < nstates; old++) {
        int32_t n = newid[old];
        first2[n] = self->first_out[old] >= 0 ? lit_at[self->first_out[old]] : -1;
        if (lit_at[old] >= 0)
            self->lits[lit_at[old]].next = self->out_link[old] >= 0 ? lit_at[self->out_link[old]] : -1;
        stem2[n] = self->has_stem[old];
        flags[old] = (self->first_out[old] >= 0 ? D32_HIT : 0) | (self->has_stem[old] ? D32_STEM : 0);
    }
    for (int32_t old = 0; old < nstates; old++) {
        Py_ssize_t n = newid[old];
        const int32_t *row = delta + (Py_ssize_t)old * nsym;
        if (d16 != NULL) {
            uint16_t *to = d16 + n * nsym;
            for (Py_ssize_t c = 0; c < nsym; c++)  /* (the flags moved from bits 30-31 to 14-15) */
                to[c] = (uint16_t)((uint32_t)newid[row[c]] | flags[row[c]] >> 16);
        }
        else {
            uint32_t *to = d32 + n * nsym;
            for (Py_ssize_t c = 0; c < nsym; c++)
                to[c] = (uint32_t)newid[row[c]] | flags[row[c]];
        }
    }
    PyMem_Free(newid); PyMem_Free(flags);
    Py_ssize_t nb = self->nsym_byte;
    if (d16 != NULL)
        self->byte16 = zalloc((Py_ssize_t)nstates * nb, sizeof(uint16_t));
    else
        self->byte32 = zalloc((Py_ssize_t)nstates * nb, sizeof(uint32_t));
    if (self->byte16 == NULL && self->byte32 == NULL) {
        PyMem_Free(d16); PyMem_Free(d32); PyMem_Free(first2);
        return -1;
    }
    for (Py_ssize_t n = 0; n < nstates; n++) {
        if (d16 != NULL)
            memcpy(self->byte16 + n * nb, d16 + n * nsym, (size_t)nb * sizeof(uint16_t));
        else
            memcpy(self->byte32 + n * nb, d32 + n * nsym, (size_t)nb * sizeof(uint32_t));
    }
    PyMem_Free(delta); PyMem_Free(lit_at); PyMem_Free(self->out_link); PyMem_Free(self->first_out);
    PyMem_Free(self->has_stem); PyMem_Free(stem2);
    self->delta = NULL;
    self->has_stem = NULL;
    self->lit_at = self->out_link = self->first_out = NULL;
    self->delta32 = d32;
    self->delta16 = d16;
    self->first_lit = first2;
    return 0;
}

static PyObject *
index_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"items", "literals", "n_features", "n_groups", "always", "filed", "in_groups",
                             "narrowed", "by_phrase", "free", "n_phrases", NULL};
    PyObject *items, *literals, *always, *filed, *in_groups, *narrowed, *by_phrase, *free_, *n_phrases;
    Py_ssize_t n_features, n_groups;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!nnOO!O!OOOO", kwlist, &PyTuple_Type, &items,
                                     &PyList_Type, &literals, &n_features, &n_groups, &always, &PyList_Type,
                                     &filed, &PyList_Type, &in_groups, &narrowed, &by_phrase, &free_, &n_phrases))
        return NULL;
    if (n_features < 0 || n_groups < 0 || n_features > INT32_MAX / 2 || n_groups > INT32_MAX / 2) {
        PyErr_SetString(PyExc_ValueError, "bad table sizes");
        return NULL;
    }
    Index *self = (Index *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    Py_INCREF(items);
    self->items = items;
    Py_ssize_t ni = PyTuple_GET_SIZE(items);
    self->n_items = ni;
    self->n_features = n_features;
    self->n_groups = n_groups;
    self->wi = (ni + 63) / 64;
    self->wf = (n_features + 63) / 64;
    self->wg = (n_groups + 63) / 64;
    Py_ssize_t cap = 256;
    PyObject *texts = NULL;
    self->ints = zalloc(cap, sizeof(int32_t));
    if (self->ints == NULL)
        goto fail;

    /* items: flags, phrase words */
    PyObject *seqs[4] = {narrowed, by_phrase, free_, n_phrases};
    for (int k = 0; k < 4; k++) {
        if (!PyList_Check(seqs[k]) || PyList_GET_SIZE(seqs[k]) != ni) {
            PyErr_SetString(PyExc_ValueError, "per-item tables must be lists as long as the items");
            goto fail;
        }
    }
    self->item = zalloc(ni, sizeof(Item));
    if (self->item == NULL)
        goto fail;
    Py_ssize_t wp = 0;
    for (Py_ssize_t i = 0; i < ni; i++) {
        self->item[i].narrowed = (uint8_t)PyObject_IsTrue(PyList_GET_ITEM(narrowed, i));
        long most = PyLong_AsLong(PyList_GET_ITEM(by_phrase, i));
        if (most < 0 || most > MOST_PHRASE_SEARCHES) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "bad phrase search count");
            goto fail;
        }
        self->item[i].by_phrase = (uint8_t)most;
        Py_ssize_t np = PyLong_AsSsize_t(PyList_GET_ITEM(n_phrases, i));
        if (np < 0 || np > INT32_MAX / 2) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "bad phrase count");
            goto fail;
        }
        self->item[i].ph_word = (int32_t)wp;
        self->item[i].ph_words = (int32_t)((np + 63) / 64);
        wp += self->item[i].ph_words;
    }
    if (PyErr_Occurred())
        goto fail;
    self->wp = wp;
    self->free_bits = zalloc(wp, sizeof(uint64_t));
    if (self->free_bits == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < ni; i++) {
        int32_t off, cnt;
        long np = (long)self->item[i].ph_words * 64;
        if (pool_ids(self, &cap, PyList_GET_ITEM(free_, i), np, "phrase", &off, &cnt) < 0)
            goto fail;
        for (int32_t k = 0; k < cnt; k++) {
            int32_t pid = self->ints[off + k];
            self->free_bits[self->item[i].ph_word + pid / 64] |= (uint64_t)1 << (pid % 64);
            self->item[i].has_free = 1;
        }
        self->n_ints = off; /* not kept */
    }

    /* literals */
    Py_ssize_t nl = PyList_GET_SIZE(literals);
    self->n_lits = nl;
    texts = PyList_New(nl);
    if (texts == NULL || alloc_lits(self, nl) < 0)
        goto fail;
    for (Py_ssize_t k = 0; k < nl; k++) {
        PyObject *entry = PyList_GET_ITEM(literals, k);
        PyObject *text, *stems;
        long f0, f1, f2, f3;
        if (!PyTuple_Check(entry) || !PyArg_ParseTuple(entry, "UOllll", &text, &stems, &f0, &f1, &f2, &f3)) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "a literal is (text, stem items, 4 feature ids)");
            goto fail;
        }
        Lit *lit = &self->lits[k];
        long fs[4] = {f0, f1, f2, f3};
        for (int j = 0; j < 4; j++) {
            if (fs[j] < -1 || fs[j] >= n_features) {
                PyErr_SetString(PyExc_ValueError, "feature id out of range");
                goto fail;
            }
            lit->fid[j] = (int32_t)fs[j];
        }
        lit->length = (int32_t)PyUnicode_GET_LENGTH(text);
        if (pool_ids(self, &cap, stems, ni, "item", &lit->stem_off, &lit->stem_cnt) < 0)
            goto fail;
        Py_INCREF(text);
        PyList_SET_ITEM(texts, k, text);
    }
    self->empty = nl == 0;
    {   /* a stem standing for more items than a row has words: one row to OR instead of a list */
        Py_ssize_t rows = 0;
        for (Py_ssize_t k = 0; k < nl; k++)
            rows += self->lits[k].stem_cnt > self->wi; /* (only lists so far) */
        self->stem_rows = zalloc(rows * self->wi, sizeof(uint64_t));
        if (self->stem_rows == NULL)
            goto fail;
        rows = 0;
        for (Py_ssize_t k = 0; k < nl; k++) {
            Lit *lit = &self->lits[k];
            if (lit->stem_cnt <= self->wi)
                continue;
            uint64_t *row = self->stem_rows + rows * self->wi;
            for (int32_t j = 0; j < lit->stem_cnt; j++) {
                int32_t i = self->ints[lit->stem_off + j];
                row[i >> 6] |= (uint64_t)1 << (i & 63);
            }
            lit->stem_off = (int32_t)rows++;
            lit->stem_cnt = -1;
        }
    }
    if (build_automaton(self, texts) < 0)
        goto fail;
    Py_CLEAR(texts);

    /* always */
    self->always = zalloc(self->wi, sizeof(uint64_t));
    if (self->always == NULL)
        goto fail;
    {
        int32_t off, cnt;
        if (pool_ids(self, &cap, always, ni, "item", &off, &cnt) < 0)
            goto fail;
        for (int32_t k = 0; k < cnt; k++)
            self->always[self->ints[off + k] / 64] |= (uint64_t)1 << (self->ints[off + k] % 64);
        self->n_ints = off;
    }

    /* features: groups they are in, entries filed under them, the items they reach */
    self->feat = zalloc64(n_features, sizeof(Feat), &self->feat_mem);
    if (self->feat == NULL)
        goto fail;
    for (Py_ssize_t f = 0; f < n_features; f++)
        self->feat[f].reach_row = -1;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(in_groups); k++) {
        PyObject *fid_o, *gids;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(in_groups, k), "OO", &fid_o, &gids))
            goto fail;
        long fid = as_id(fid_o, n_features, "feature");
        if (fid < 0) {
            if (fid == -1) PyErr_SetString(PyExc_ValueError, "feature id out of range");
            goto fail;
        }
        Feat *ft = &self->feat[fid];
        int32_t off;
        if (pool_ids(self, &cap, gids, n_groups, "group", &off, &ft->grp_cnt) < 0)
            goto fail;
        if (ft->grp_cnt <= FEAT_GROUPS) {
            memcpy(ft->grp, self->ints + off, (size_t)ft->grp_cnt * sizeof(int32_t));
            self->n_ints = off; /* not kept */
        }
        else
            ft->grp[0] = off;
    }
    Py_ssize_t nfiled = PyList_GET_SIZE(filed), n_entries = 0;
    for (Py_ssize_t k = 0; k < nfiled; k++) {
        PyObject *e = PyList_GET_ITEM(filed, k);
        if (!PyTuple_Check(e) || PyTuple_GET_SIZE(e) != 2 || !PyList_Check(PyTuple_GET_ITEM(e, 1))) {
            PyErr_SetString(PyExc_TypeError, "filed: (feature, [(item, groups, phrases), ...])");
            goto fail;
        }
        n_entries += PyList_GET_SIZE(PyTuple_GET_ITEM(e, 1));
    }
    self->filed = zalloc(n_entries, sizeof(Filed));
    self->reach = zalloc(nfiled * self->wi, sizeof(uint64_t));
    if (self->filed == NULL || self->reach == NULL)
        goto fail;
    Py_ssize_t at = 0;
    for (Py_ssize_t k = 0; k < nfiled; k++) {
        PyObject *e = PyList_GET_ITEM(filed, k), *entries = PyTuple_GET_ITEM(e, 1);
        long fid = as_id(PyTuple_GET_ITEM(e, 0), n_features, "feature");
        if (fid < 0) {
            if (fid == -1) PyErr_SetString(PyExc_ValueError, "feature id out of range");
            goto fail;
        }
        if (self->feat[fid].reach_row >= 0) {
            PyErr_SetString(PyExc_ValueError, "a feature is filed twice");
            goto fail;
        }
        self->feat[fid].reach_row = (int32_t)k;
        self->feat[fid].filed_off = (int32_t)at;
        self->feat[fid].filed_cnt = (int32_t)PyList_GET_SIZE(entries);
        uint64_t *row = self->reach + k * self->wi;
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(entries); j++) {
            PyObject *item_o, *rest, *phrases;
            if (!PyArg_ParseTuple(PyList_GET_ITEM(entries, j), "OOO", &item_o, &rest, &phrases))
                goto fail;
            long item = as_id(item_o, ni, "item");
            if (item < 0) {
                if (item == -1) PyErr_SetString(PyExc_ValueError, "item id out of range");
                goto fail;
            }
            Filed *fe = &self->filed[at++];
            fe->item = (int32_t)item;
            row[item / 64] |= (uint64_t)1 << (item % 64);
            if (pool_ids(self, &cap, rest, n_groups, "group", &fe->rest_off, &fe->rest_cnt) < 0 ||
                pool_ids(self, &cap, phrases, (long)self->item[item].ph_words * 64, "phrase", &fe->ph_off, &fe->ph_cnt) < 0)
                goto fail;
            fe->sig = 0;
            for (int32_t g = 0; g < fe->rest_cnt; g++)
                fe->sig |= (uint64_t)1 << (self->ints[fe->rest_off + g] & 63);
        }
    }
    self->scratch = zalloc(2 * self->wi + self->wf + self->wg + self->wp, sizeof(uint64_t));
    self->found_list = zalloc(n_features, sizeof(int32_t));
    self->pair_none = zalloc(ni, sizeof(PyObject *));
    self->kept = zalloc(KEPT_SLOTS, sizeof(Kept));
    if (self->scratch == NULL || self->found_list == NULL || self->pair_none == NULL || self->kept == NULL)
        goto fail;
    return (PyObject *)self;
fail:
    Py_XDECREF(texts);
    Py_DECREF(self);
    return NULL;
}

/* ---- matching ---- */

static inline int
word_char(Py_UCS4 c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

typedef struct {
    uint64_t *ids, *reach, *found, *satisfied, *chosen;
    int32_t *list;
    Py_ssize_t n_found;
} Scratch;

HOT_INLINE void
add_found(Scratch *s, int32_t fid)
{
    uint64_t bit = (uint64_t)1 << (fid & 63);
    if (!(s->found[fid >> 6] & bit)) {
        s->found[fid >> 6] |= bit;
        s->list[s->n_found++] = fid;
    }
}

HOT_INLINE void
on_hit(const Index *self, Scratch *s, int kind, const void *data, Py_ssize_t size, Py_ssize_t end, const Lit *lit)
{
    if (lit->stem_cnt < 0) {
        const uint64_t *row = self->stem_rows + (Py_ssize_t)lit->stem_off * self->wi;
        for (Py_ssize_t w = 0; w < self->wi; w++)
            s->ids[w] |= row[w];
    }
    else {
        for (int32_t k = 0; k < lit->stem_cnt; k++) {
            int32_t i = self->ints[lit->stem_off + k];
            s->ids[i >> 6] |= (uint64_t)1 << (i & 63);
        }
    }
    if (lit->fid[0] >= 0)
        add_found(s, lit->fid[0]);
    if (LIT_EDGES(lit)) {
        Py_ssize_t a = end - lit->length + 1;
        int starts = a == 0 || !word_char(PyUnicode_READ(kind, data, a - 1));
        int ends = end + 1 == size || !word_char(PyUnicode_READ(kind, data, end + 1));
        if (starts && lit->fid[1] >= 0)
            add_found(s, lit->fid[1]);
        if (ends && lit->fid[2] >= 0)
            add_found(s, lit->fid[2]);
        if (starts && ends && lit->fid[3] >= 0)
            add_found(s, lit->fid[3]);
    }
}

#define BYTE_SYMBOL(self, cp) ((self)->sym_byte[(cp)])

#define SCAN_LOOP(TYPE, delta, width, SYMBOL, D)                                                 \
    do {                                                                                         \
        const TYPE *p = (const TYPE *)data;                                                      \
        for (Py_ssize_t k = 0; k < size; k++) {                                                  \
            uint32_t cell = delta[(Py_ssize_t)state * (width) + SYMBOL(self, p[k])];             \
            state = (int32_t)(cell & D##_STATE);                                                 \
            if (cell & D##_HIT)                                                                  \
                for (int32_t t = first_lit[state]; t >= 0; t = self->lits[t].next)               \
                    on_hit(self, s, kind, data, size, k, &self->lits[t]);                        \
        }                                                                                        \
    } while (0)

static void
scan(const Index *self, Scratch *s, PyObject *text)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    const int32_t *first_lit = self->first_lit;
    const uint16_t *d16 = self->delta16;
    const uint32_t *d32 = self->delta32;
    const uint16_t *b16 = self->byte16;
    const uint32_t *b32 = self->byte32;
    Py_ssize_t nsym = self->nsym, nb = self->nsym_byte;
    int32_t state = 0;
    if (d16 != NULL) {
        if (kind == PyUnicode_1BYTE_KIND)
            SCAN_LOOP(Py_UCS1, b16, nb, BYTE_SYMBOL, D16);
        else if (kind == PyUnicode_2BYTE_KIND)
            SCAN_LOOP(Py_UCS2, d16, nsym, symbol_of, D16);
        else
            SCAN_LOOP(Py_UCS4, d16, nsym, symbol_of, D16);
    }
    else {
        if (kind == PyUnicode_1BYTE_KIND)
            SCAN_LOOP(Py_UCS1, b32, nb, BYTE_SYMBOL, D32);
        else if (kind == PyUnicode_2BYTE_KIND)
            SCAN_LOOP(Py_UCS2, d32, nsym, symbol_of, D32);
        else
            SCAN_LOOP(Py_UCS4, d32, nsym, symbol_of, D32);
    }
}

#define ANY_LOOP(TYPE, delta, width, SYMBOL, D)                                                  \
    do {                                                                                         \
        const TYPE *p = (const TYPE *)data;                                                      \
        for (Py_ssize_t k = 0; k < size; k++) {                                                  \
            uint32_t cell = delta[(Py_ssize_t)state * (width) + SYMBOL(self, p[k])];             \
            if (cell & D##_STEM)                                                                 \
                Py_RETURN_TRUE;                                                                  \
            state = (int32_t)(cell & D##_STATE);                                                 \
        }                                                                                        \
    } while (0)

static PyObject *
index_any(Index *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "any() takes a str");
        return NULL;
    }
    if (self->empty)
        Py_RETURN_FALSE;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t size = PyUnicode_GET_LENGTH(text), nsym = self->nsym, nb = self->nsym_byte;
    int32_t state = 0;
    const uint16_t *d16 = self->delta16, *b16 = self->byte16;
    const uint32_t *d32 = self->delta32, *b32 = self->byte32;
    if (d16 != NULL) {
        if (kind == PyUnicode_1BYTE_KIND)
            ANY_LOOP(Py_UCS1, b16, nb, BYTE_SYMBOL, D16);
        else if (kind == PyUnicode_2BYTE_KIND)
            ANY_LOOP(Py_UCS2, d16, nsym, symbol_of, D16);
        else
            ANY_LOOP(Py_UCS4, d16, nsym, symbol_of, D16);
    }
    else {
        if (kind == PyUnicode_1BYTE_KIND)
            ANY_LOOP(Py_UCS1, b32, nb, BYTE_SYMBOL, D32);
        else if (kind == PyUnicode_2BYTE_KIND)
            ANY_LOOP(Py_UCS2, d32, nsym, symbol_of, D32);
        else
            ANY_LOOP(Py_UCS4, d32, nsym, symbol_of, D32);
    }
    Py_RETURN_FALSE;
}

static int
none_set(const uint64_t *w, Py_ssize_t n)
{
    for (Py_ssize_t k = 0; k < n; k++)
        if (w[k])
            return 0;
    return 1;
}

/* (item i, None), a new reference. */
HOT_INLINE PyObject *
none_pair(Index *self, int32_t i)
{
    PyObject *pair = self->pair_none[i];
    if (pair == NULL) {
        pair = PyTuple_Pack(2, PyTuple_GET_ITEM(self->items, i), Py_None);
        if (pair == NULL)
            return NULL;
        self->pair_none[i] = pair;
    }
    Py_INCREF(pair);
    return pair;
}

/* (item i, the phrase ids `pids`, ascending), a new reference: kept in `kept` (open addressing) while it has
   room, else made afresh. */
static PyObject *
phrases_pair(Index *self, int32_t i, const int32_t *pids, int32_t n)
{
    uint32_t h = (uint32_t)i * 0x9E3779B1u;
    for (int32_t k = 0; k < n; k++)
        h = (h ^ (uint32_t)pids[k]) * 0x85EBCA77u;
    h ^= h >> 15;
    Kept *slot = NULL;
    for (uint32_t at = h;; at++) {
        Kept *e = &self->kept[at & (KEPT_SLOTS - 1)];
        if (e->pair == NULL) {
            slot = e;
            break;
        }
        if (e->item == i && e->n == n && memcmp(e->pid, pids, (size_t)n * sizeof(int32_t)) == 0) {
            Py_INCREF(e->pair);
            return e->pair;
        }
    }
    PyObject *phrases = PyTuple_New(n);
    if (phrases == NULL)
        return NULL;
    for (int32_t k = 0; k < n; k++) {
        PyObject *v = PyLong_FromLong(pids[k]);
        if (v == NULL) {
            Py_DECREF(phrases);
            return NULL;
        }
        PyTuple_SET_ITEM(phrases, k, v);
    }
    PyObject *pair = PyTuple_Pack(2, PyTuple_GET_ITEM(self->items, i), phrases);
    Py_DECREF(phrases);
    if (pair == NULL)
        return NULL;
    if (self->n_kept < KEPT_SLOTS / 2 && slot->pair == NULL) { /* (a call made while this one made objects
                                                                  may have taken the slot) */
        slot->pair = pair;
        slot->item = i;
        slot->n = n;
        memcpy(slot->pid, pids, (size_t)n * sizeof(int32_t));
        self->n_kept++;
        Py_INCREF(pair);
    }
    return pair;
}

/* Room for one more object in `*got`; -1 (a Python error set) when memory runs out. */
static int
grow(PyObject ***got, PyObject **local, Py_ssize_t *cap)
{
    Py_ssize_t ncap = *cap * 2;
    PyObject **p;
    if (*got == local) {
        p = PyMem_Malloc((size_t)ncap * sizeof(PyObject *));
        if (p != NULL)
            memcpy(p, local, (size_t)*cap * sizeof(PyObject *));
    }
    else
        p = PyMem_Realloc(*got, (size_t)ncap * sizeof(PyObject *));
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *got = p;
    *cap = ncap;
    return 0;
}

/* The answer from the scan's results; NULL on a Python error. */
static PyObject *
answer(Index *self, Scratch *s)
{
    Py_ssize_t wi = self->wi;
    if (none_set(s->ids, wi))
        return PyList_New(0);
    memcpy(s->reach, self->always, (size_t)wi * sizeof(uint64_t));
    for (Py_ssize_t k = 0; k < s->n_found; k++) {
        int32_t row = self->feat[s->list[k]].reach_row;
        if (row >= 0) {
            const uint64_t *r = self->reach + (Py_ssize_t)row * wi;
            for (Py_ssize_t w = 0; w < wi; w++)
                s->reach[w] |= r[w];
        }
    }
    for (Py_ssize_t w = 0; w < wi; w++)
        s->ids[w] &= s->reach[w];
    if (none_set(s->ids, wi))
        return PyList_New(0);
    memset(s->satisfied, 0, (size_t)self->wg * sizeof(uint64_t));
    uint64_t sig = 0;
    for (Py_ssize_t k = 0; k < s->n_found; k++) {
        const Feat *ft = &self->feat[s->list[k]];
        const int32_t *grp = ft->grp_cnt <= FEAT_GROUPS ? ft->grp : self->ints + ft->grp[0];
        for (int32_t j = 0; j < ft->grp_cnt; j++) {
            int32_t g = grp[j];
            s->satisfied[g >> 6] |= (uint64_t)1 << (g & 63);
            sig |= (uint64_t)1 << (g & 63);
        }
    }
    /* the phrase words of the items left: their free phrases, then those whose groups all occur */
    for (Py_ssize_t w = 0; w < wi; w++) {
        for (uint64_t bits = s->ids[w]; bits; bits &= bits - 1) {
            Py_ssize_t i = w * 64 + __builtin_ctzll(bits);
            const Item *it = &self->item[i];
            memcpy(s->chosen + it->ph_word, self->free_bits + it->ph_word, (size_t)it->ph_words * sizeof(uint64_t));
        }
    }
    for (Py_ssize_t k = 0; k < s->n_found; k++) {
        const Feat *ft = &self->feat[s->list[k]];
        if (ft->reach_row < 0)
            continue;
        const Filed *fe = self->filed + ft->filed_off, *stop = fe + ft->filed_cnt;
        for (; fe < stop; fe++) {
            if ((fe->sig & ~sig) || !(s->ids[fe->item >> 6] & ((uint64_t)1 << (fe->item & 63))))
                continue;
            int ok = 1;
            for (int32_t j = 0; j < fe->rest_cnt && ok; j++) {
                int32_t g = self->ints[fe->rest_off + j];
                ok = (s->satisfied[g >> 6] >> (g & 63)) & 1;
            }
            if (!ok)
                continue;
            uint64_t *words = s->chosen + self->item[fe->item].ph_word;
            for (int32_t j = 0; j < fe->ph_cnt; j++) {
                int32_t pid = self->ints[fe->ph_off + j];
                words[pid >> 6] |= (uint64_t)1 << (pid & 63);
            }
        }
    }
    PyObject *local[64], **got = local, *out = NULL;
    Py_ssize_t n_got = 0, cap = 64;
    for (Py_ssize_t w = 0; w < wi; w++) {
        for (uint64_t bits = s->ids[w]; bits; bits &= bits - 1) {
            int32_t i = (int32_t)(w * 64 + __builtin_ctzll(bits));
            PyObject *pair;
            const Item *it = &self->item[i];
            if (it->narrowed && !(it->has_free && !it->by_phrase)) {
                const uint64_t *words = s->chosen + it->ph_word;
                int32_t count = 0;
                for (int32_t j = 0; j < it->ph_words; j++)
                    for (uint64_t b = words[j]; b; b &= b - 1)
                        count++;
                if (count == 0)
                    continue;
                if (count <= it->by_phrase) {
                    int32_t pids[MOST_PHRASE_SEARCHES], at = 0;
                    for (int32_t j = 0; j < it->ph_words; j++)
                        for (uint64_t b = words[j]; b; b &= b - 1)
                            pids[at++] = j * 64 + __builtin_ctzll(b);
                    pair = phrases_pair(self, i, pids, count);
                }
                else
                    pair = none_pair(self, i);
            }
            else
                pair = none_pair(self, i);
            if (pair == NULL)
                goto done;
            if (n_got == cap && grow(&got, local, &cap) < 0) {
                Py_DECREF(pair);
                goto done;
            }
            got[n_got++] = pair;
        }
    }
    out = PyList_New(n_got);
    if (out != NULL) {
        for (Py_ssize_t k = 0; k < n_got; k++)
            PyList_SET_ITEM(out, k, got[k]);
        n_got = 0;
    }
done:
    for (Py_ssize_t k = 0; k < n_got; k++)
        Py_DECREF(got[k]);
    if (got != local)
        PyMem_Free(got);
    return out;
}

static PyObject *
index_candidates(Index *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "candidates() takes a str");
        return NULL;
    }
    if (self->empty)
        return PyList_New(0);
    /* scratch: the index's own, or (a call from inside a call: a finaliser) a fresh one */
    uint64_t *words = self->scratch;
    int32_t *list = self->found_list;
    int own = !self->busy;
    Py_ssize_t nwords = 2 * self->wi + self->wf + self->wg + self->wp;
    if (!own) {
        words = zalloc(nwords, sizeof(uint64_t));
        list = zalloc(self->n_features, sizeof(int32_t));
        if (words == NULL || list == NULL) {
            PyMem_Free(words);
            PyMem_Free(list);
            return NULL;
        }
    }
    Scratch s;
    s.ids = words;
    s.reach = s.ids + self->wi;
    s.found = s.reach + self->wi;
    s.satisfied = s.found + self->wf;
    s.chosen = s.satisfied + self->wg;
    s.list = list;
    s.n_found = 0;
    memset(s.ids, 0, (size_t)self->wi * sizeof(uint64_t));
    self->busy = 1;
    scan(self, &s, text);
#ifdef PROBE_SCAN_ONLY
    for (Py_ssize_t k = 0; k < s.n_found; k++)
        s.found[s.list[k] >> 6] = 0;
    self->busy = 0;
    return PyList_New(0);
#endif
    /* (the answer creates Python objects: the scratch is released first where that could re-enter) */
    PyObject *out = answer(self, &s);
    for (Py_ssize_t k = 0; k < s.n_found; k++)
        s.found[s.list[k] >> 6] = 0;
    if (own)
        self->busy = 0;
    else {
        PyMem_Free(words);
        PyMem_Free(list);
    }
    return out;
}

static PyMethodDef index_methods[] = {
    {"candidates", (PyCFunction)index_candidates, METH_O,
     "The items that can match `text`, each with the phrases to search (None: the whole rule)."},
    {"any", (PyCFunction)index_any, METH_O, "Whether `text` contains a trigger stem."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject IndexType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "hotline.detect.signals._automaton.Index",
    .tp_basicsize = sizeof(Index),
    .tp_dealloc = (destructor)index_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The candidate stage's tables and automaton (see candidates.CandidateIndex).",
    .tp_methods = index_methods,
    .tp_new = index_new,
};

/* ---- Literals: which of a few literals occur in a text, and where (personal_info's gate and anchors) ----
 *
 * The personal-details pass asks, of every message, which of ~200 literals (digits, anchors, question
 * words) occur with the word edges they need and what they tell (bits `tag`), and, of the literals tagged
 * `select`, the ones a left-to-right, longest-first reading keeps (`personal_info._found`: what `findall`
 * of an alternation of them would return). pyahocorasick's iterator and a Python loop over its hits cost
 * 4-6 % of a compiled run; here one pass of the automaton `build_automaton` makes answers it.
 * `scan_lower` reads the text as `str.lower` would give it (each character by its simple lowercase mapping,
 * which is str.lower's but for U+0130, which lowercases to two characters, and a final capital sigma): the
 * caller is spared lowercasing the message (`personal_info.Literals.scan_lower` says when it may ask).
 */

typedef struct {
    unsigned long tag;
    int32_t length;
    int32_t next;    /* the next literal ending where it ends (`Lit.next`) */
    uint8_t edges;   /* 1: must start a word, 2: must end a word */
} Term;

typedef struct {
    Py_ssize_t start;
    int32_t length, term;
} Place;

typedef struct {
    PyObject_HEAD
    Index *core;      /* the automaton's tables in an Index struct (not an object): `build_automaton` fills them */
    PyObject *texts;  /* list of the literals (str), what `chosen` holds */
    Term *terms;
    Py_ssize_t n_terms;
    unsigned long select;
    uint8_t word[128]; /* the ASCII characters that continue a word */
    uint16_t *fold_low;    /* the symbol of each code point's lowercase, for code points below the core's n_low */
    uint16_t fold_byte[256];
} Literals;

static void
core_free(Index *core)
{
    if (core == NULL)
        return;
    PyMem_Free(core->sym_low); PyMem_Free(core->high_cp); PyMem_Free(core->high_sym);
    PyMem_Free(core->delta); PyMem_Free(core->delta32); PyMem_Free(core->delta16);
    PyMem_Free(core->byte32); PyMem_Free(core->byte16); PyMem_Free(core->first_out); PyMem_Free(core->out_link);
    PyMem_Free(core->lit_at); PyMem_Free(core->has_stem); PyMem_Free(core->lits_mem); PyMem_Free(core->first_lit);
    PyMem_Free(core);
}

static void
literals_dealloc(Literals *self)
{
    Py_XDECREF(self->texts);
    core_free(self->core);
    PyMem_Free(self->terms);
    PyMem_Free(self->fold_low);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
literals_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"literals", "select", "word", NULL};
    PyObject *literals, *word;
    unsigned long select;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!kU", kwlist, &PyList_Type, &literals, &select, &word))
        return NULL;
    Literals *self = (Literals *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->select = select;
    Py_ssize_t nw = PyUnicode_GET_LENGTH(word);
    for (Py_ssize_t k = 0; k < nw; k++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(word, k);
        if (c >= 128) {
            PyErr_SetString(PyExc_ValueError, "word characters must be ASCII");
            goto fail;
        }
        self->word[c] = 1;
    }
    Py_ssize_t n = PyList_GET_SIZE(literals);
    self->n_terms = n;
    self->terms = zalloc(n, sizeof(Term));
    self->texts = PyList_New(n);
    self->core = zalloc(1, sizeof(Index));
    if (self->terms == NULL || self->texts == NULL || self->core == NULL)
        goto fail;
    if (alloc_lits(self->core, n) < 0) /* no stems: `build_automaton` reads only their counts */
        goto fail;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *entry = PyList_GET_ITEM(literals, k), *text;
        int starts, ends;
        long tag;
        if (!PyTuple_Check(entry) || !PyArg_ParseTuple(entry, "Uppl", &text, &starts, &ends, &tag)) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "a literal is (text, starts a word, ends a word, tag)");
            goto fail;
        }
        if (tag < 0) {
            PyErr_SetString(PyExc_ValueError, "a tag is a non-negative int");
            goto fail;
        }
        self->terms[k].length = (int32_t)PyUnicode_GET_LENGTH(text);
        self->terms[k].edges = (uint8_t)((starts ? 1 : 0) | (ends ? 2 : 0));
        self->terms[k].tag = (unsigned long)tag;
        Py_INCREF(text);
        PyList_SET_ITEM(self->texts, k, text);
    }
    if (build_automaton(self->core, self->texts) < 0)
        goto fail;
    for (Py_ssize_t k = 0; k < n; k++)
        self->terms[k].next = self->core->lits[k].next;
    self->fold_low = zalloc((Py_ssize_t)self->core->n_low, sizeof(uint16_t));
    if (self->fold_low == NULL)
        goto fail;
    for (Py_UCS4 cp = 0; cp < self->core->n_low; cp++)
        self->fold_low[cp] = symbol_of(self->core, Py_UNICODE_TOLOWER(cp));
    for (Py_UCS4 cp = 0; cp < 256; cp++)
        self->fold_byte[cp] = symbol_of(self->core, Py_UNICODE_TOLOWER(cp));
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

static int
place_order(const void *a, const void *b)
{
    const Place *x = (const Place *)a, *y = (const Place *)b;
    if (x->start != y->start)
        return (x->start > y->start) - (x->start < y->start);
    return (x->length < y->length) - (x->length > y->length);
}

/* Room for one more place; -1 (a Python error set) when memory runs out. */
static int
room(Place **places, Place *local, Py_ssize_t n, Py_ssize_t *cap)
{
    if (n < *cap)
        return 0;
    Py_ssize_t ncap = *cap * 2;
    Place *p;
    if (*places == local) {
        p = PyMem_Malloc((size_t)ncap * sizeof(Place));
        if (p != NULL)
            memcpy(p, local, (size_t)n * sizeof(Place));
    }
    else
        p = PyMem_Realloc(*places, (size_t)ncap * sizeof(Place));
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *places = p;
    *cap = ncap;
    return 0;
}

HOT_INLINE int
continues_word(const Literals *self, Py_UCS4 c, int fold)
{
    if (fold)
        c = Py_UNICODE_TOLOWER(c);
    return c < 128 && self->word[c];
}

#define FOLD_BYTE(core, cp) (self->fold_byte[(cp)])
#define FOLD_SYMBOL(core, cp) ((cp) < (core)->n_low ? self->fold_low[(cp)] : symbol_of((core), Py_UNICODE_TOLOWER(cp)))

#define LITERALS_LOOP(TYPE, delta, width, SYMBOL, FOLD, D)                                       \
    do {                                                                                         \
        const TYPE *p = (const TYPE *)data;                                                      \
        for (Py_ssize_t k = 0; k < size && !failed; k++) {                                       \
            uint32_t cell = delta[(Py_ssize_t)state * (width) + SYMBOL(core, p[k])];             \
            state = (int32_t)(cell & D##_STATE);                                                 \
            if (!(cell & D##_HIT))                                                               \
                continue;                                                                        \
            for (int32_t at = core->first_lit[state]; at >= 0; at = self->terms[at].next) {      \
                const Term *term = &self->terms[at];                                             \
                Py_ssize_t a = k - term->length + 1;                                             \
                if (term->edges) {                                                               \
                    if ((term->edges & 1) && a > 0 && continues_word(self, p[a - 1], FOLD))      \
                        continue;                                                                \
                    if ((term->edges & 2) && k + 1 < size && continues_word(self, p[k + 1], FOLD)) \
                        continue;                                                                \
                }                                                                                \
                tags |= term->tag;                                                               \
                if (term->tag & self->select) {                                                  \
                    if (room(&places, local, n, &cap) < 0) {                                     \
                        failed = 1;                                                              \
                        break;                                                                   \
                    }                                                                            \
                    places[n].start = a;                                                         \
                    places[n].length = term->length;                                             \
                    places[n++].term = at;                                                       \
                }                                                                                \
            }                                                                                    \
        }                                                                                        \
    } while (0)

/* `scan` (fold 0) and `scan_lower` (fold 1). */
static PyObject *
literals_run(Literals *self, PyObject *text, int fold)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "scan() takes a str");
        return NULL;
    }
    const Index *core = self->core;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t size = PyUnicode_GET_LENGTH(text), nsym = core->nsym, nb = core->nsym_byte, n = 0, cap = 32;
    Place local[32], *places = local;
    unsigned long tags = 0;
    int32_t state = 0;
    int failed = 0;
    if (self->n_terms > 0) {
        const uint16_t *d16 = core->delta16, *b16 = core->byte16;
        const uint32_t *d32 = core->delta32, *b32 = core->byte32;
        if (fold) {
            if (d16 != NULL) {
                if (kind == PyUnicode_1BYTE_KIND)
                    LITERALS_LOOP(Py_UCS1, b16, nb, FOLD_BYTE, 1, D16);
                else if (kind == PyUnicode_2BYTE_KIND)
                    LITERALS_LOOP(Py_UCS2, d16, nsym, FOLD_SYMBOL, 1, D16);
                else
                    LITERALS_LOOP(Py_UCS4, d16, nsym, FOLD_SYMBOL, 1, D16);
            }
            else {
                if (kind == PyUnicode_1BYTE_KIND)
                    LITERALS_LOOP(Py_UCS1, b32, nb, FOLD_BYTE, 1, D32);
                else if (kind == PyUnicode_2BYTE_KIND)
                    LITERALS_LOOP(Py_UCS2, d32, nsym, FOLD_SYMBOL, 1, D32);
                else
                    LITERALS_LOOP(Py_UCS4, d32, nsym, FOLD_SYMBOL, 1, D32);
            }
        }
        else if (d16 != NULL) {
            if (kind == PyUnicode_1BYTE_KIND)
                LITERALS_LOOP(Py_UCS1, b16, nb, BYTE_SYMBOL, 0, D16);
            else if (kind == PyUnicode_2BYTE_KIND)
                LITERALS_LOOP(Py_UCS2, d16, nsym, symbol_of, 0, D16);
            else
                LITERALS_LOOP(Py_UCS4, d16, nsym, symbol_of, 0, D16);
        }
        else {
            if (kind == PyUnicode_1BYTE_KIND)
                LITERALS_LOOP(Py_UCS1, b32, nb, BYTE_SYMBOL, 0, D32);
            else if (kind == PyUnicode_2BYTE_KIND)
                LITERALS_LOOP(Py_UCS2, d32, nsym, symbol_of, 0, D32);
            else
                LITERALS_LOOP(Py_UCS4, d32, nsym, symbol_of, 0, D32);
        }
    }
    PyObject *chosen = NULL, *out = NULL;
    if (failed)
        goto done;
    if (n == 0) {
        chosen = Py_None;
        Py_INCREF(chosen);
    }
    else {
        /* left to right, the longest literal starting at a place, the next only after it ends */
        qsort(places, (size_t)n, sizeof(Place), place_order);
        chosen = PyFrozenSet_New(NULL);
        if (chosen == NULL)
            goto done;
        Py_ssize_t after = 0;
        for (Py_ssize_t k = 0; k < n; k++) {
            if (places[k].start < after)
                continue;
            if (PySet_Add(chosen, PyList_GET_ITEM(self->texts, places[k].term)) < 0) {
                Py_CLEAR(chosen);
                goto done;
            }
            after = places[k].start + places[k].length;
        }
    }
    {
        PyObject *told = PyLong_FromUnsignedLong(tags);
        if (told != NULL) {
            out = PyTuple_Pack(2, told, chosen);
            Py_DECREF(told);
        }
    }
done:
    Py_XDECREF(chosen);
    if (places != local)
        PyMem_Free(places);
    return out;
}

static PyObject *
literals_scan(Literals *self, PyObject *text)
{
    return literals_run(self, text, 0);
}

static PyObject *
literals_scan_lower(Literals *self, PyObject *text)
{
    return literals_run(self, text, 1);
}

static PyMethodDef literals_methods[] = {
    {"scan", (PyCFunction)literals_scan, METH_O,
     "(the tags of the literals in `text` with their word edges, OR-ed; the `select` ones a left-to-right, "
     "longest-first reading keeps, as a frozenset, or None when none is there)."},
    {"scan_lower", (PyCFunction)literals_scan_lower, METH_O,
     "`scan` of the text with each character's simple lowercase mapping (str.lower's, but for U+0130 and final "
     "sigma)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject LiteralsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "hotline.detect.signals._automaton.Literals",
    .tp_basicsize = sizeof(Literals),
    .tp_dealloc = (destructor)literals_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Literals(literals=[(text, starts a word, ends a word, tag)], select, word): one automaton over them.",
    .tp_methods = literals_methods,
    .tp_new = literals_new,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "hotline.detect.signals._automaton",
    "The candidate stage in C (candidates.CandidateIndex uses it; same answers as its Python code).",
    -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__automaton(void)
{
    if (PyType_Ready(&IndexType) < 0 || PyType_Ready(&LiteralsType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&IndexType);
    if (PyModule_AddObject(m, "Index", (PyObject *)&IndexType) < 0) {
        Py_DECREF(&IndexType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&LiteralsType);
    if (PyModule_AddObject(m, "Literals", (PyObject *)&LiteralsType) < 0) {
        Py_DECREF(&LiteralsType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
