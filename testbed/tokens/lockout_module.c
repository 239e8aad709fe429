/*
 * kyso lockout module: a PKCS#11 forwarding module that adds a user-PIN lockout and a "lost"
 * state to SoftHSM2.
 *
 * Why: SoftHSM2 2.6 never locks a PIN (20 wrong PINs, the right one still works), but Decree
 * 68/2024 scenarios need a locked token, and every program that loads a PKCS#11 module -- ours
 * or a third party's -- must see the same lock. So this module sits between the program and
 * libsofthsm2.so: every call is forwarded unchanged except
 *
 *   C_Initialize    reads the configuration from the environment (below), then forwards;
 *   C_GetInfo       forwards, then names this module in libraryDescription;
 *   C_GetTokenInfo  forwards, then reports CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED from the
 *                   persistent counter (SoftHSM's own COUNT_LOW flag is replaced);
 *   C_OpenSession   refuses a lost token with CKR_TOKEN_NOT_PRESENT;
 *   C_Login         user (and context-specific) logins are counted: a wrong PIN returns
 *                   CKR_PIN_INCORRECT and increments the counter; once the counter reaches the
 *                   limit every user login returns CKR_PIN_LOCKED, the right PIN included; a
 *                   successful login resets the counter. SO logins are forwarded uncounted.
 *                   A lost token returns CKR_TOKEN_NOT_PRESENT for every login.
 *   C_SetPIN        a user-PIN change is checked and counted like a login;
 *   C_InitPIN       (SO session) forwards, and on success clears the counter: this is how a
 *                   locked token is restored (Decree 68 Art. 22);
 *   C_InitToken     forwards, and on success forgets any state left under the token's serial.
 *
 * State lives in one small text file per token, <lockout dir>/<token serial>.state:
 *     failures=<n>\nmax_tries=<n>\nlost=<0|1>\n
 * read and written under flock(2), so separate processes agree. A missing file means
 * failures=0, lost=0, max_tries from the environment.
 *
 * Environment (read at C_Initialize):
 *   KYSO_REAL_PKCS11_MODULE  the module to forward to (default: KYSO_DEFAULT_REAL_MODULE below)
 *   KYSO_LOCKOUT_DIR         the state directory (default: <dir of SOFTHSM2_CONF>/softhsm-lockout)
 *   KYSO_MAX_PIN_TRIES       limit for tokens whose state file names none (default 5)
 * Without KYSO_LOCKOUT_DIR or SOFTHSM2_CONF, C_Initialize fails: a lockout module that silently
 * does not lock would make tests pass for the wrong reason.
 *
 * The Cryptoki types below are the few this module needs, written from the PKCS#11 v2.40
 * specification (types and the CK_FUNCTION_LIST order), so no header package is required.
 * Built by testbed/tokens/lockout.py with `cc -shared -fPIC`.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KYSO_DEFAULT_REAL_MODULE
#define KYSO_DEFAULT_REAL_MODULE "/usr/lib/softhsm/libsofthsm2.so"
#endif

typedef unsigned long CK_ULONG;
typedef CK_ULONG CK_RV;
typedef CK_ULONG CK_FLAGS;
typedef CK_ULONG CK_SLOT_ID;
typedef CK_ULONG CK_SESSION_HANDLE;
typedef CK_ULONG CK_USER_TYPE;
typedef CK_ULONG CK_STATE;
typedef unsigned char CK_BYTE;
typedef unsigned char CK_UTF8CHAR;
typedef void *CK_VOID_PTR;
typedef CK_RV (*CK_NOTIFY)(CK_SESSION_HANDLE, CK_ULONG, CK_VOID_PTR);

typedef struct CK_VERSION {
    CK_BYTE major;
    CK_BYTE minor;
} CK_VERSION;

typedef struct CK_INFO {
    CK_VERSION cryptokiVersion;
    CK_UTF8CHAR manufacturerID[32];
    CK_FLAGS flags;
    CK_UTF8CHAR libraryDescription[32];
    CK_VERSION libraryVersion;
} CK_INFO;

typedef struct CK_TOKEN_INFO {
    CK_UTF8CHAR label[32];
    CK_UTF8CHAR manufacturerID[32];
    CK_UTF8CHAR model[16];
    CK_BYTE serialNumber[16];
    CK_FLAGS flags;
    CK_ULONG ulMaxSessionCount;
    CK_ULONG ulSessionCount;
    CK_ULONG ulMaxRwSessionCount;
    CK_ULONG ulRwSessionCount;
    CK_ULONG ulMaxPinLen;
    CK_ULONG ulMinPinLen;
    CK_ULONG ulTotalPublicMemory;
    CK_ULONG ulFreePublicMemory;
    CK_ULONG ulTotalPrivateMemory;
    CK_ULONG ulFreePrivateMemory;
    CK_VERSION hardwareVersion;
    CK_VERSION firmwareVersion;
    CK_BYTE utcTime[16];
} CK_TOKEN_INFO;

typedef struct CK_SESSION_INFO {
    CK_SLOT_ID slotID;
    CK_STATE state;
    CK_FLAGS flags;
    CK_ULONG ulDeviceError;
} CK_SESSION_INFO;

#define CKR_OK 0x00UL
#define CKR_GENERAL_ERROR 0x05UL
#define CKR_ARGUMENTS_BAD 0x07UL
#define CKR_PIN_INCORRECT 0xA0UL
#define CKR_PIN_LOCKED 0xA4UL
#define CKR_TOKEN_NOT_PRESENT 0xE0UL
#define CKR_USER_ALREADY_LOGGED_IN 0x100UL
#define CKR_CRYPTOKI_NOT_INITIALIZED 0x190UL

#define CKU_SO 0UL
#define CKS_RW_SO_FUNCTIONS 4UL

#define CKF_USER_PIN_COUNT_LOW (1UL << 16)
#define CKF_USER_PIN_FINAL_TRY (1UL << 17)
#define CKF_USER_PIN_LOCKED (1UL << 18)

/* The 68 entry points of CK_FUNCTION_LIST, in the order PKCS#11 v2.40 fixes. */
#define KYSO_FUNCTIONS(X) \
    X(C_Initialize) X(C_Finalize) X(C_GetInfo) X(C_GetFunctionList) X(C_GetSlotList) \
    X(C_GetSlotInfo) X(C_GetTokenInfo) X(C_GetMechanismList) X(C_GetMechanismInfo) \
    X(C_InitToken) X(C_InitPIN) X(C_SetPIN) X(C_OpenSession) X(C_CloseSession) \
    X(C_CloseAllSessions) X(C_GetSessionInfo) X(C_GetOperationState) X(C_SetOperationState) \
    X(C_Login) X(C_Logout) X(C_CreateObject) X(C_CopyObject) X(C_DestroyObject) \
    X(C_GetObjectSize) X(C_GetAttributeValue) X(C_SetAttributeValue) X(C_FindObjectsInit) \
    X(C_FindObjects) X(C_FindObjectsFinal) X(C_EncryptInit) X(C_Encrypt) X(C_EncryptUpdate) \
    X(C_EncryptFinal) X(C_DecryptInit) X(C_Decrypt) X(C_DecryptUpdate) X(C_DecryptFinal) \
    X(C_DigestInit) X(C_Digest) X(C_DigestUpdate) X(C_DigestKey) X(C_DigestFinal) \
    X(C_SignInit) X(C_Sign) X(C_SignUpdate) X(C_SignFinal) X(C_SignRecoverInit) \
    X(C_SignRecover) X(C_VerifyInit) X(C_Verify) X(C_VerifyUpdate) X(C_VerifyFinal) \
    X(C_VerifyRecoverInit) X(C_VerifyRecover) X(C_DigestEncryptUpdate) \
    X(C_DecryptDigestUpdate) X(C_SignEncryptUpdate) X(C_DecryptVerifyUpdate) X(C_GenerateKey) \
    X(C_GenerateKeyPair) X(C_WrapKey) X(C_UnwrapKey) X(C_DeriveKey) X(C_SeedRandom) \
    X(C_GenerateRandom) X(C_GetFunctionStatus) X(C_CancelFunction) X(C_WaitForSlotEvent)

/* Entries are stored untyped; each wrapper casts back to the entry's real type before calling. */
typedef void (*kyso_any_fn)(void);
#define KYSO_FIELD(name) kyso_any_fn name;
typedef struct CK_FUNCTION_LIST {
    CK_VERSION version;
    KYSO_FUNCTIONS(KYSO_FIELD)
} CK_FUNCTION_LIST;
typedef CK_FUNCTION_LIST *CK_FUNCTION_LIST_PTR;

typedef CK_RV (*fn_initialize)(CK_VOID_PTR);
typedef CK_RV (*fn_get_info)(CK_INFO *);
typedef CK_RV (*fn_get_function_list)(CK_FUNCTION_LIST_PTR *);
typedef CK_RV (*fn_get_token_info)(CK_SLOT_ID, CK_TOKEN_INFO *);
typedef CK_RV (*fn_init_token)(CK_SLOT_ID, CK_UTF8CHAR *, CK_ULONG, CK_UTF8CHAR *);
typedef CK_RV (*fn_init_pin)(CK_SESSION_HANDLE, CK_UTF8CHAR *, CK_ULONG);
typedef CK_RV (*fn_set_pin)(CK_SESSION_HANDLE, CK_UTF8CHAR *, CK_ULONG, CK_UTF8CHAR *, CK_ULONG);
typedef CK_RV (*fn_open_session)(CK_SLOT_ID, CK_FLAGS, CK_VOID_PTR, CK_NOTIFY,
                                 CK_SESSION_HANDLE *);
typedef CK_RV (*fn_get_session_info)(CK_SESSION_HANDLE, CK_SESSION_INFO *);
typedef CK_RV (*fn_login)(CK_SESSION_HANDLE, CK_USER_TYPE, CK_UTF8CHAR *, CK_ULONG);

#define REAL(name, type) ((type)real->name)

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static CK_RV load_result = CKR_GENERAL_ERROR;
static CK_FUNCTION_LIST_PTR real;
static CK_FUNCTION_LIST wrapped;

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static char lockout_dir[4096];
static unsigned long default_max_tries = 5;

typedef struct kyso_state {
    unsigned long failures;
    unsigned long max_tries;
    int lost;
} kyso_state;

static void complain(const char *what, const char *detail)
{
    fprintf(stderr, "kyso-lockout: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
}

/* ---- configuration ------------------------------------------------------------------------ */

static CK_RV read_config(void)
{
    const char *dir = getenv("KYSO_LOCKOUT_DIR");
    const char *conf = getenv("SOFTHSM2_CONF");
    const char *tries = getenv("KYSO_MAX_PIN_TRIES");
    char buf[sizeof lockout_dir];

    if (dir && *dir) {
        if (strlen(dir) >= sizeof buf) {
            complain("KYSO_LOCKOUT_DIR is too long", NULL);
            return CKR_GENERAL_ERROR;
        }
        strcpy(buf, dir);
    } else if (conf && *conf) {
        const char *slash = strrchr(conf, '/');
        size_t len = slash ? (size_t)(slash - conf) : 1;
        if (len + sizeof "/softhsm-lockout" >= sizeof buf) {
            complain("SOFTHSM2_CONF is too long", NULL);
            return CKR_GENERAL_ERROR;
        }
        memcpy(buf, slash ? conf : ".", len);
        strcpy(buf + len, "/softhsm-lockout");
    } else {
        complain("neither KYSO_LOCKOUT_DIR nor SOFTHSM2_CONF is set; refusing to run without"
                 " a lockout state directory", NULL);
        return CKR_GENERAL_ERROR;
    }
    pthread_mutex_lock(&config_lock);
    strcpy(lockout_dir, buf);
    default_max_tries = 5;
    if (tries && *tries) {
        char *end = NULL;
        unsigned long n = strtoul(tries, &end, 10);
        if (end && *end == '\0' && n > 0) {
            default_max_tries = n;
        } else {
            complain("KYSO_MAX_PIN_TRIES is not a positive integer, using 5", tries);
        }
    }
    pthread_mutex_unlock(&config_lock);
    return CKR_OK;
}

/* ---- per-token state files ---------------------------------------------------------------- */

/* The file name for a token: its serial number, blank padding dropped, other than [A-Za-z0-9-]
 * replaced by '_'. SoftHSM serials are 16 hex digits, unique per initialised token. */
static int state_path(const CK_TOKEN_INFO *info, char *out, size_t size)
{
    char serial[17];
    size_t n = 0;
    for (size_t i = 0; i < sizeof info->serialNumber; i++) {
        unsigned char c = info->serialNumber[i];
        if (c == ' ' || c == '\0') {
            continue;
        }
        int ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 c == '-';
        serial[n++] = ok ? (char)c : '_';
    }
    serial[n] = '\0';
    if (n == 0) {
        strcpy(serial, "no-serial");
    }
    pthread_mutex_lock(&config_lock);
    int len = snprintf(out, size, "%s/%s.state", lockout_dir, serial);
    pthread_mutex_unlock(&config_lock);
    return (len > 0 && (size_t)len < size) ? 0 : -1;
}

static void parse_state(const char *text, kyso_state *st)
{
    const char *line = text;
    while (line && *line) {
        unsigned long value;
        if (sscanf(line, "failures=%lu", &value) == 1) {
            st->failures = value;
        } else if (sscanf(line, "max_tries=%lu", &value) == 1 && value > 0) {
            st->max_tries = value;
        } else if (sscanf(line, "lost=%lu", &value) == 1) {
            st->lost = value != 0;
        }
        line = strchr(line, '\n');
        if (line) {
            line++;
        }
    }
}

static void default_state(kyso_state *st)
{
    pthread_mutex_lock(&config_lock);
    st->max_tries = default_max_tries;
    pthread_mutex_unlock(&config_lock);
    st->failures = 0;
    st->lost = 0;
}

/* Open (creating it if asked) and flock the state file, and read it into *st.
 * Returns the locked descriptor, -1 on error, or -2 when the file does not exist and create
 * is 0 (then *st holds the defaults). */
static int state_open(const char *path, int create, kyso_state *st)
{
    char text[512];
    default_state(st);
    int fd = open(path, create ? (O_RDWR | O_CREAT | O_CLOEXEC) : (O_RDONLY | O_CLOEXEC), 0600);
    if (fd < 0 && create && errno == ENOENT) {
        char dir[sizeof lockout_dir];
        pthread_mutex_lock(&config_lock);
        strcpy(dir, lockout_dir);
        pthread_mutex_unlock(&config_lock);
        mkdir(dir, 0700);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        if (!create && errno == ENOENT) {
            return -2;
        }
        complain("cannot open lockout state file", path);
        return -1;
    }
    if (flock(fd, create ? LOCK_EX : LOCK_SH) != 0) {
        complain("cannot lock lockout state file", path);
        close(fd);
        return -1;
    }
    ssize_t got = pread(fd, text, sizeof text - 1, 0);
    text[got > 0 ? got : 0] = '\0';
    parse_state(text, st);
    return fd;
}

static int state_write(int fd, const kyso_state *st)
{
    char text[128];
    int len = snprintf(text, sizeof text, "failures=%lu\nmax_tries=%lu\nlost=%d\n", st->failures,
                       st->max_tries, st->lost);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)len, 0) != len) {
        complain("cannot write lockout state file", strerror(errno));
        return -1;
    }
    return 0;
}

static void state_close(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
}

/* The state file path of the token in a slot, or of the token a session belongs to. */
static CK_RV slot_state_path(CK_SLOT_ID slot, char *out, size_t size)
{
    CK_TOKEN_INFO info;
    CK_RV rv = REAL(C_GetTokenInfo, fn_get_token_info)(slot, &info);
    if (rv != CKR_OK) {
        return rv;
    }
    return state_path(&info, out, size) == 0 ? CKR_OK : CKR_GENERAL_ERROR;
}

static CK_RV session_state_path(CK_SESSION_HANDLE session, CK_SESSION_INFO *sinfo, char *out,
                                size_t size)
{
    CK_RV rv = REAL(C_GetSessionInfo, fn_get_session_info)(session, sinfo);
    if (rv != CKR_OK) {
        return rv;
    }
    return slot_state_path(sinfo->slotID, out, size);
}

/* ---- wrapped entry points ----------------------------------------------------------------- */

static CK_RV w_Initialize(CK_VOID_PTR args)
{
    CK_RV rv = read_config();
    if (rv != CKR_OK) {
        return rv;
    }
    return REAL(C_Initialize, fn_initialize)(args);
}

static CK_RV w_GetInfo(CK_INFO *info)
{
    static const char name[] = "kyso lockout over SoftHSM";
    CK_RV rv = REAL(C_GetInfo, fn_get_info)(info);
    if (rv == CKR_OK && info) {
        memset(info->libraryDescription, ' ', sizeof info->libraryDescription);
        memcpy(info->libraryDescription, name, sizeof name - 1);
    }
    return rv;
}

static CK_RV w_GetFunctionList(CK_FUNCTION_LIST_PTR *list);

static CK_RV w_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO *info)
{
    char path[sizeof lockout_dir + 64];
    kyso_state st;
    CK_RV rv = REAL(C_GetTokenInfo, fn_get_token_info)(slot, info);
    if (rv != CKR_OK || info == NULL || state_path(info, path, sizeof path) != 0) {
        return rv;
    }
    int fd = state_open(path, 0, &st);
    if (fd == -1) {
        return CKR_GENERAL_ERROR;
    }
    state_close(fd);
    info->flags &= ~(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
    if (st.failures >= st.max_tries) {
        info->flags |= CKF_USER_PIN_LOCKED;
    } else if (st.failures > 0) {
        info->flags |= CKF_USER_PIN_COUNT_LOW;
        if (st.failures + 1 == st.max_tries) {
            info->flags |= CKF_USER_PIN_FINAL_TRY;
        }
    }
    return CKR_OK;
}

static CK_RV w_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
                           CK_SESSION_HANDLE *session)
{
    char path[sizeof lockout_dir + 64];
    kyso_state st;
    if (slot_state_path(slot, path, sizeof path) == CKR_OK) {
        int fd = state_open(path, 0, &st);
        if (fd == -1) {
            return CKR_GENERAL_ERROR;
        }
        state_close(fd);
        if (st.lost) {
            return CKR_TOKEN_NOT_PRESENT;
        }
    }
    return REAL(C_OpenSession, fn_open_session)(slot, flags, app, notify, session);
}

static CK_RV w_Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR *pin, CK_ULONG len)
{
    char path[sizeof lockout_dir + 64];
    CK_SESSION_INFO sinfo;
    kyso_state st;
    fn_login login = REAL(C_Login, fn_login);
    if (session_state_path(session, &sinfo, path, sizeof path) != CKR_OK) {
        return login(session, user, pin, len); /* let the real module name the error */
    }
    int fd = state_open(path, 1, &st);
    if (fd < 0) {
        return CKR_GENERAL_ERROR;
    }
    CK_RV rv;
    if (st.lost) {
        rv = CKR_TOKEN_NOT_PRESENT;
    } else if (user == CKU_SO) {
        rv = login(session, user, pin, len);
    } else if (st.failures >= st.max_tries) {
        rv = CKR_PIN_LOCKED;
    } else {
        rv = login(session, user, pin, len);
        if (rv == CKR_PIN_INCORRECT) {
            st.failures++;
            state_write(fd, &st);
        } else if ((rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) && st.failures) {
            st.failures = 0;
            state_write(fd, &st);
        }
    }
    state_close(fd);
    return rv;
}

static CK_RV w_SetPIN(CK_SESSION_HANDLE session, CK_UTF8CHAR *old_pin, CK_ULONG old_len,
                      CK_UTF8CHAR *new_pin, CK_ULONG new_len)
{
    char path[sizeof lockout_dir + 64];
    CK_SESSION_INFO sinfo;
    kyso_state st;
    fn_set_pin set_pin = REAL(C_SetPIN, fn_set_pin);
    if (session_state_path(session, &sinfo, path, sizeof path) != CKR_OK ||
        sinfo.state == CKS_RW_SO_FUNCTIONS) {
        return set_pin(session, old_pin, old_len, new_pin, new_len); /* SO PIN: uncounted */
    }
    int fd = state_open(path, 1, &st);
    if (fd < 0) {
        return CKR_GENERAL_ERROR;
    }
    CK_RV rv;
    if (st.lost) {
        rv = CKR_TOKEN_NOT_PRESENT;
    } else if (st.failures >= st.max_tries) {
        rv = CKR_PIN_LOCKED;
    } else {
        rv = set_pin(session, old_pin, old_len, new_pin, new_len);
        if (rv == CKR_PIN_INCORRECT) {
            st.failures++;
            state_write(fd, &st);
        } else if (rv == CKR_OK && st.failures) {
            st.failures = 0;
            state_write(fd, &st);
        }
    }
    state_close(fd);
    return rv;
}

static CK_RV w_InitPIN(CK_SESSION_HANDLE session, CK_UTF8CHAR *pin, CK_ULONG len)
{
    char path[sizeof lockout_dir + 64];
    CK_SESSION_INFO sinfo;
    kyso_state st;
    fn_init_pin init_pin = REAL(C_InitPIN, fn_init_pin);
    if (session_state_path(session, &sinfo, path, sizeof path) != CKR_OK) {
        return init_pin(session, pin, len);
    }
    int fd = state_open(path, 1, &st);
    if (fd < 0) {
        return CKR_GENERAL_ERROR;
    }
    CK_RV rv;
    if (st.lost) {
        rv = CKR_TOKEN_NOT_PRESENT;
    } else {
        rv = init_pin(session, pin, len);
        if (rv == CKR_OK && st.failures) {
            st.failures = 0; /* the SO set a new user PIN: the token is unlocked */
            state_write(fd, &st);
        }
    }
    state_close(fd);
    return rv;
}

static CK_RV w_InitToken(CK_SLOT_ID slot, CK_UTF8CHAR *pin, CK_ULONG len, CK_UTF8CHAR *label)
{
    char path[sizeof lockout_dir + 64];
    CK_RV rv = REAL(C_InitToken, fn_init_token)(slot, pin, len, label);
    if (rv == CKR_OK && slot_state_path(slot, path, sizeof path) == CKR_OK) {
        unlink(path); /* a new token starts unlocked and present */
    }
    return rv;
}

/* ---- loading ------------------------------------------------------------------------------ */

static void load_real(void)
{
    const char *path = getenv("KYSO_REAL_PKCS11_MODULE");
    if (!path || !*path) {
        path = KYSO_DEFAULT_REAL_MODULE;
    }
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        complain("cannot load the real PKCS#11 module", dlerror());
        return;
    }
    fn_get_function_list get = (fn_get_function_list)dlsym(handle, "C_GetFunctionList");
    if (!get) {
        complain("the real PKCS#11 module has no C_GetFunctionList", path);
        return;
    }
    CK_RV rv = get(&real);
    if (rv != CKR_OK || !real) {
        complain("C_GetFunctionList of the real PKCS#11 module failed", path);
        return;
    }
    wrapped = *real;
    wrapped.C_Initialize = (kyso_any_fn)w_Initialize;
    wrapped.C_GetInfo = (kyso_any_fn)w_GetInfo;
    wrapped.C_GetFunctionList = (kyso_any_fn)w_GetFunctionList;
    wrapped.C_GetTokenInfo = (kyso_any_fn)w_GetTokenInfo;
    wrapped.C_InitToken = (kyso_any_fn)w_InitToken;
    wrapped.C_InitPIN = (kyso_any_fn)w_InitPIN;
    wrapped.C_SetPIN = (kyso_any_fn)w_SetPIN;
    wrapped.C_OpenSession = (kyso_any_fn)w_OpenSession;
    wrapped.C_Login = (kyso_any_fn)w_Login;
    load_result = CKR_OK;
}

static CK_RV w_GetFunctionList(CK_FUNCTION_LIST_PTR *list)
{
    if (list == NULL) {
        return CKR_ARGUMENTS_BAD;
    }
    pthread_once(&load_once, load_real);
    if (load_result != CKR_OK) {
        return load_result;
    }
    *list = &wrapped;
    return CKR_OK;
}

__attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR *list)
{
    return w_GetFunctionList(list);
}
