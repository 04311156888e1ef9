"""What the MNIST family is made of: files, mirrors, checksums, classes.

Mirrors and archive checksums are those the major frameworks record:

* MD5 of each archive: torchvision, ``torchvision/datasets/mnist.py`` (classes MNIST,
  FashionMNIST, KMNIST, EMNIST), with the same mirrors;
* SHA-256 of each Fashion-MNIST archive and its second mirror: Keras,
  ``keras/src/datasets/fashion_mnist.py``;
* SHA-256 of MNIST's *decompressed* payloads: ``shared/data/mnist/SHA256SUMS``.  They let any
  gzip of the same data verify, even one compressed again with other settings.

A file is accepted when any one recorded checksum matches.
"""

import string
from dataclasses import dataclass

MNIST_DIGITS = tuple(string.digits)
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
# お き す つ な は ま や れ を, romanised
KMNIST_CLASSES = ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo")
EMNIST_LETTERS = tuple(string.ascii_lowercase)  # each class merges the upper and lower case letter


@dataclass(frozen=True)
class RemoteFile:
    """One file as a mirror serves it, with every checksum recorded for it."""

    name: str
    md5: str | None = None  # of the file as served (torchvision's record)
    sha256: str | None = None  # of the file as served (Keras's record)
    payload_sha256: str | None = None  # of the decompressed payload (MNIST only)
    max_bytes: int | None = None  # the most a correct copy can weigh: downloads stop past it

    @property
    def stem(self):
        """The file's name without .gz: the raw IDX file it decompresses to."""
        return self.name.removesuffix(".gz")


@dataclass(frozen=True)
class ImageSet:
    """A data set of 28 × 28 uint8 images in IDX files: train/test images and labels.

    ``files`` are the four gzipped IDX files in the order train images, train labels, test
    images, test labels.  When ``archive`` is set (EMNIST) they are members of that one
    archive, found under ``member_folder`` inside it, and the archive is stored in
    ``<data home>/<archive_folder>``.
    """

    name: str
    description: str
    files: tuple[RemoteFile, RemoteFile, RemoteFile, RemoteFile]
    mirrors: tuple[str, ...]
    classes: tuple[str, ...]
    source: str
    max_items: int | None = None  # samples in the larger split: a header claiming more lies
    label_offset: int = 0  # subtracted from stored labels (EMNIST letters are 1..26)
    transposed: bool = False  # EMNIST stores each image transposed relative to MNIST
    archive: RemoteFile | None = None
    archive_folder: str | None = None
    member_folder: str = ""


def gzip_bound(payload_bytes):
    """The most a gzip file of ``payload_bytes`` can weigh, however it was compressed: deflate's
    stored blocks add 5 bytes per 64 KiB, gzip a header (with an optional name) and a trailer."""
    return payload_bytes + payload_bytes // 1000 + 1024


def _mnist_style(prefix, md5s, sha256s=(None,) * 4, payload_sha256s=(None,) * 4):
    """The four RemoteFiles of an MNIST-layout set (60,000 + 10,000 images of 28 × 28), in
    ImageSet.files order."""
    names = (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    )
    payloads = (16 + 60000 * 784, 8 + 60000, 16 + 10000 * 784, 8 + 10000)
    return tuple(
        RemoteFile(f"{prefix}{name}.gz", md5, sha, payload, gzip_bound(size))
        for name, md5, sha, payload, size in zip(
            names, md5s, sha256s, payload_sha256s, payloads, strict=True
        )
    )


def _emnist_members(split):
    """The four gzipped IDX members of one EMNIST split (no per-member checksum is published)."""
    names = (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "test-images-idx3-ubyte",
        "test-labels-idx1-ubyte",
    )
    return tuple(RemoteFile(f"emnist-{split}-{name}.gz") for name in names)


# the archive weighs 561,753,746 bytes; the bound leaves room for a mirror's re-packing
EMNIST_ARCHIVE = RemoteFile(
    "gzip.zip", md5="58c8d27c78d21e728a6bc7b3cc06412e", max_bytes=600_000_000
)
EMNIST_MIRRORS = (
    "https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/",  # torchvision
    "https://biometrics.nist.gov/cs_links/EMNIST/",  # NIST's EMNIST page
)

IMAGE_SETS = {
    "mnist": ImageSet(
        name="mnist",
        description="MNIST handwritten digits, 60,000 train + 10,000 test 28×28 images",
        files=_mnist_style(
            "",
            md5s=(
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "d53e105ee54ea40749a09fcbcd1e9432",
                "9fb629c4189551a2d022fa330f9573f3",
                "ec29112dd5afa0611ce80d1b7f02629c",
            ),
            payload_sha256s=(
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            ),
        ),
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        classes=MNIST_DIGITS,
        source="Yann LeCun, Corinna Cortes, Christopher J. C. Burges (CC BY-SA 3.0)",
        max_items=60_000,
    ),
    "fashion-mnist": ImageSet(
        name="fashion-mnist",
        description="Zalando's Fashion-MNIST, 10 kinds of clothing, 60,000 + 10,000 images",
        files=_mnist_style(
            "",
            md5s=(
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "25c81989df183df01b3e8a0aad5dffbe",
                "bef4ecab320f06d8554ea6380940ec79",
                "bb300cfdad3c16e7a12a480ee83cd310",
            ),
            sha256s=(
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            ),
        ),
        mirrors=(
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
        ),
        classes=FASHION_CLASSES,
        source="Han Xiao, Kashif Rasul, Roland Vollgraf, Zalando SE (MIT licence)",
        max_items=60_000,
    ),
    "kmnist": ImageSet(
        name="kmnist",
        description="Kuzushiji-MNIST, 10 cursive hiragana, 60,000 + 10,000 images",
        files=_mnist_style(
            "",
            md5s=(
                "bdb82020997e1d708af4cf47b453dcf7",
                "e144d726b3acfaa3e44228e80efcd344",
                "5c965bf0a639b31b8f53240b1b52f4d7",
                "7320c461ea6c1c855c0b718fb2a4b134",
            ),
        ),
        mirrors=("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
        classes=KMNIST_CLASSES,
        source="Tarin Clanuwat et al., ROIS-DS CODH, 'KMNIST' (CC BY-SA 4.0)",
        max_items=60_000,
    ),
    "emnist-digits": ImageSet(
        name="emnist-digits",
        description="EMNIST digits from NIST SD 19, 240,000 + 40,000 images (0.5 GB download)",
        files=_emnist_members("digits"),
        mirrors=EMNIST_MIRRORS,
        classes=MNIST_DIGITS,
        source="Gregory Cohen et al., 'EMNIST', from NIST Special Database 19",
        max_items=240_000,
        transposed=True,
        archive=EMNIST_ARCHIVE,
        archive_folder="emnist",
        member_folder="gzip/",
    ),
    "emnist-letters": ImageSet(
        name="emnist-letters",
        description="EMNIST letters a-z (cases merged), 124,800 + 20,800 images (0.5 GB download)",
        files=_emnist_members("letters"),
        mirrors=EMNIST_MIRRORS,
        classes=EMNIST_LETTERS,
        source="Gregory Cohen et al., 'EMNIST', from NIST Special Database 19",
        max_items=124_800,
        label_offset=1,
        transposed=True,
        archive=EMNIST_ARCHIVE,
        archive_folder="emnist",
        member_folder="gzip/",
    ),
}
