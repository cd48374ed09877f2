"""The demo luxury store ("Maison Aurel"): its catalogue and customers, as plain data.

The storefront renders from it, the seed loads it into Salon's tables and the shopper
simulator browses it, so all three always agree.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variant:
    variant_id: str  # e.g. "P100-BLK-M"
    colour: str  # e.g. "Black"
    size: str  # e.g. "M" or "One size"
    stock: int


@dataclass(frozen=True)
class Product:
    product_id: str  # e.g. "P100"
    name: str
    category: str  # slug of a Category
    price: float  # EUR
    description: str
    colours: tuple[str, ...]
    sizes: tuple[str, ...]
    image: str  # file name under salon/demo/static/img/
    variants: tuple[Variant, ...] = field(default=())


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    blurb: str


@dataclass(frozen=True)
class PastOrder:
    order_id: str
    days_ago: int
    lines: tuple[tuple[str, int], ...]  # (product_id, quantity)


@dataclass(frozen=True)
class Customer:
    customer_id: str  # the store's own id, e.g. "C1001"
    name: str
    email: str
    loyalty_tier: str  # "none", "silver", "gold", "platinum"
    orders: tuple[PastOrder, ...] = ()


# --- colours and sizes ------------------------------------------------------------------------

#: Three-letter codes used in variant ids ("P101-BLK-M") and image names ("P101-BLK.svg").
COLOUR_CODES: dict[str, str] = {
    "Black": "BLK",
    "Ivory": "IVR",
    "Cognac": "CGN",
    "Burgundy": "BRG",
    "Navy": "NVY",
    "Camel": "CML",
    "Taupe": "TPE",
    "Blush": "BLS",
    "Forest": "FRS",
    "Emerald": "EMR",
    "Gold": "GLD",
    "Rose Gold": "RGD",
    "White Gold": "WGD",
    "Silver": "SLV",
    "Steel": "STL",
}

ONE_SIZE: tuple[str, ...] = ("One size",)
CLOTHING_SIZES: tuple[str, ...] = ("XS", "S", "M", "L", "XL")
GLOVE_SIZES: tuple[str, ...] = ("S", "M", "L")
WOMENS_SHOE_SIZES: tuple[str, ...] = ("36", "37", "38", "39", "40", "41")
MENS_SHOE_SIZES: tuple[str, ...] = ("40", "41", "42", "43", "44", "45")


def size_code(size: str) -> str:
    """The size part of a variant id: "M" stays "M", "One size" becomes "OS"."""
    return "OS" if size == "One size" else size.upper().replace(" ", "")


def _demo_stock(variant_id: str) -> int:
    """A stable, made-up stock level (0-6; about one variant in eight is sold out).

    Derived from the variant id rather than `random`, so every run of the demo shows the
    same stock and the same sold-out sizes.
    """
    digest = int(hashlib.sha256(variant_id.encode()).hexdigest()[:8], 16)
    return 0 if digest % 8 == 0 else 1 + (digest // 8) % 6


def _variants(
    product_id: str, colours: tuple[str, ...], sizes: tuple[str, ...]
) -> tuple[Variant, ...]:
    """Every colour x size combination, each with its demo stock; never all sold out."""
    variants = [
        Variant(
            variant_id=f"{product_id}-{COLOUR_CODES[colour]}-{size_code(size)}",
            colour=colour,
            size=size,
            stock=_demo_stock(f"{product_id}-{COLOUR_CODES[colour]}-{size_code(size)}"),
        )
        for colour in colours
        for size in sizes
    ]
    if not any(v.stock for v in variants):
        first = variants[0]
        variants[0] = Variant(first.variant_id, first.colour, first.size, 3)
    return tuple(variants)


def _product(
    product_id: str,
    name: str,
    category: str,
    price: float,
    description: str,
    colours: tuple[str, ...],
    sizes: tuple[str, ...] = ONE_SIZE,
) -> Product:
    return Product(
        product_id=product_id,
        name=name,
        category=category,
        price=price,
        description=description,
        colours=colours,
        sizes=sizes,
        image=f"{product_id}-{COLOUR_CODES[colours[0]]}.svg",
        variants=_variants(product_id, colours, sizes),
    )


def image_for(product: Product, colour: str) -> str:
    """The image file (under static/img/) showing `product` in `colour`."""
    return f"{product.product_id}-{COLOUR_CODES[colour]}.svg"


# --- catalogue --------------------------------------------------------------------------------

CATEGORIES: tuple[Category, ...] = (
    Category(
        "handbags",
        "Handbags",
        "Hand-stitched calfskin and exotic leathers, made to be carried for decades.",
    ),
    Category(
        "watches", "Watches", "Swiss-made movements in steel and precious metals, finished by hand."
    ),
    Category(
        "jewellery",
        "Jewellery",
        "Fine jewellery in 18k gold, set with ethically sourced diamonds and pearls.",
    ),
    Category(
        "outerwear",
        "Outerwear",
        "Cashmere, double-faced wool and shearling, tailored in our Paris atelier.",
    ),
    Category(
        "shoes",
        "Shoes",
        "Italian lasts, Blake-stitched soles and leathers that soften with every wear.",
    ),
)

PRODUCTS: tuple[Product, ...] = (
    # Handbags
    _product(
        "P101",
        "Aurel Classic Tote",
        "handbags",
        2950,
        "A structured tote in full-grain calfskin with a suede-lined interior, an inner zip "
        "pocket and hand-painted edges. Fits a 14-inch laptop.",
        ("Black", "Cognac", "Ivory"),
    ),
    _product(
        "P102",
        "Céleste Shoulder Bag",
        "handbags",
        3900,
        "Our signature shoulder bag with a turn-lock clasp in palladium-finished brass and an "
        "adjustable strap that converts it to a cross-body.",
        ("Black", "Burgundy", "Taupe"),
    ),
    _product(
        "P103",
        "Petite Soirée Clutch",
        "handbags",
        1250,
        "An evening clutch in lambskin with a detachable chain, lined in silk satin. Holds a "
        "phone, cards and a lipstick.",
        ("Black", "Gold", "Blush"),
    ),
    _product(
        "P104",
        "Voyage Weekender",
        "handbags",
        5600,
        "A 48-hour bag in vegetable-tanned leather with solid brass hardware, a padded shoe "
        "compartment and a removable shoulder strap.",
        ("Cognac", "Navy"),
    ),
    _product(
        "P105",
        "Grained Leather Card Holder",
        "handbags",
        220,
        "Four card slots and a central pocket in pebble-grain calfskin. Complimentary "
        "hot-stamped initials.",
        ("Black", "Cognac", "Burgundy", "Navy"),
    ),
    _product(
        "P106",
        "Héritage Top-Handle in Crocodile",
        "handbags",
        11800,
        "Cut from a single matt crocodile skin and assembled by one artisan over forty hours. "
        "Each piece is numbered and comes with its CITES certificate.",
        ("Black", "Burgundy"),
    ),
    # Watches
    _product(
        "P201",
        "Aurel Heure Automatic 38 mm",
        "watches",
        6400,
        "A self-winding calibre with 70 hours of power reserve behind a sapphire case back, "
        "on a hand-finished bracelet. Water resistant to 100 m.",
        ("Steel", "Gold"),
    ),
    _product(
        "P202",
        "Lune Moonphase 40 mm",
        "watches",
        11900,
        "An aventurine dial with a hand-engraved moonphase accurate to one day in 122 years, "
        "in an 18k case on an alligator strap.",
        ("Rose Gold", "White Gold"),
    ),
    _product(
        "P203",
        "Petite Seconde 28 mm",
        "watches",
        1850,
        "A slim quartz watch with a small-seconds sub-dial and a guilloché mother-of-pearl "
        "face. Interchangeable strap.",
        ("Steel", "Rose Gold", "Gold"),
    ),
    _product(
        "P204",
        "Régate Chronograph 42 mm",
        "watches",
        8200,
        "A column-wheel chronograph with a regatta countdown, ceramic bezel and screw-down "
        "crown. Water resistant to 200 m.",
        ("Steel", "Black"),
    ),
    _product(
        "P205",
        "Alligator Watch Strap",
        "watches",
        280,
        "A hand-stitched alligator strap with a quick-release spring bar, fits 18 to 20 mm lugs.",
        ("Black", "Cognac", "Navy"),
    ),
    _product(
        "P206",
        "Cadran Dress Watch 36 mm",
        "watches",
        4300,
        "A hand-wound dress watch, 7.8 mm thin, with applied indices and dauphine hands.",
        ("Gold", "Steel"),
    ),
    # Jewellery
    _product(
        "P301",
        "Étoile Stud Earrings",
        "jewellery",
        480,
        "Six-pointed stars in 18k gold, each set with a 0.05 ct brilliant-cut diamond.",
        ("Gold", "Rose Gold", "White Gold"),
    ),
    _product(
        "P302",
        "Riviera Tennis Bracelet",
        "jewellery",
        9800,
        "Fifty-two brilliant-cut diamonds (4.2 ct in total, G colour, VS clarity) in a "
        "four-claw setting with a double safety clasp.",
        ("White Gold", "Gold"),
    ),
    _product(
        "P303",
        "Fil d'Or Chain Necklace",
        "jewellery",
        1150,
        "A fine 45 cm chain in 18k gold with an adjustable ring at 40 cm. Lovely layered.",
        ("Gold", "Rose Gold"),
    ),
    _product(
        "P304",
        "Solitaire Ring 0.5 ct",
        "jewellery",
        4600,
        "A 0.5 ct round brilliant diamond (F colour, VVS2) on a slender band. Resized free of "
        "charge in our atelier.",
        ("White Gold", "Gold", "Rose Gold"),
    ),
    _product(
        "P305",
        "Perle Drop Earrings",
        "jewellery",
        890,
        "Akoya pearls of 8 mm suspended from a polished 18k gold hook.",
        ("Gold", "White Gold"),
    ),
    _product(
        "P306",
        "Manchette Torsadée Cuff",
        "jewellery",
        2700,
        "A twisted-rope cuff, hand-forged and polished, that opens gently to fit most wrists.",
        ("Gold", "Silver"),
    ),
    _product(
        "P307",
        "Initial Charm",
        "jewellery",
        180,
        "A small engraved disc with your initial, on a spring-ring clasp to add to any chain.",
        ("Gold", "Silver", "Rose Gold"),
    ),
    # Outerwear
    _product(
        "P401",
        "Cashmere Wrap Coat",
        "outerwear",
        4200,
        "Double-faced cashmere, hand-finished seams and a self-tie belt. Unlined, so it "
        "drapes like a blanket.",
        ("Camel", "Black", "Ivory"),
        CLOTHING_SIZES,
    ),
    _product(
        "P402",
        "Impérial Trench",
        "outerwear",
        2650,
        "A gabardine trench woven in Lancashire, with a storm flap, leather-covered buckles "
        "and a removable wool lining.",
        ("Camel", "Navy", "Black"),
        CLOTHING_SIZES,
    ),
    _product(
        "P403",
        "Shearling Aviator Jacket",
        "outerwear",
        5900,
        "Spanish merino shearling with a wide collar, twin buckle straps and a two-way zip.",
        ("Cognac", "Black"),
        CLOTHING_SIZES,
    ),
    _product(
        "P404",
        "Quilted Down Gilet",
        "outerwear",
        980,
        "Responsibly sourced goose down in a featherlight shell, packs into its own pocket.",
        ("Black", "Navy", "Forest"),
        CLOTHING_SIZES,
    ),
    _product(
        "P405",
        "Packable Silk Rain Jacket",
        "outerwear",
        1290,
        "Bonded silk faille with taped seams and a hood that rolls into the collar.",
        ("Navy", "Taupe", "Black"),
        CLOTHING_SIZES,
    ),
    _product(
        "P406",
        "Velvet Evening Coat",
        "outerwear",
        7800,
        "Silk velvet with hand-embroidered silk-thread florals on the cuffs and a satin lining.",
        ("Black", "Burgundy", "Emerald"),
        CLOTHING_SIZES,
    ),
    _product(
        "P407",
        "Cashmere-Lined Leather Gloves",
        "outerwear",
        390,
        "Hair-sheep nappa gloves lined in cashmere, with hand-sewn points on the back.",
        ("Black", "Cognac", "Burgundy"),
        GLOVE_SIZES,
    ),
    # Shoes
    _product(
        "P501",
        "Aurel Pump 85 mm",
        "shoes",
        890,
        "A pointed pump in patent calfskin on an 85 mm heel, with a padded leather insole.",
        ("Black", "Blush", "Burgundy"),
        WOMENS_SHOE_SIZES,
    ),
    _product(
        "P502",
        "Riviera Suede Loafer",
        "shoes",
        720,
        "An unlined suede loafer with a hand-sewn apron toe and a flexible rubber-studded sole.",
        ("Navy", "Cognac", "Taupe"),
        MENS_SHOE_SIZES,
    ),
    _product(
        "P503",
        "Chelsea Boot",
        "shoes",
        1150,
        "A Goodyear-welted Chelsea boot in polished calfskin with elastic side gussets.",
        ("Black", "Cognac"),
        MENS_SHOE_SIZES,
    ),
    _product(
        "P504",
        "Danse Ballerina Flat",
        "shoes",
        590,
        "A glove-soft ballerina in lambskin with a grosgrain bow and a cushioned heel.",
        ("Black", "Ivory", "Blush", "Gold"),
        WOMENS_SHOE_SIZES,
    ),
    _product(
        "P505",
        "Court Leather Sneaker",
        "shoes",
        460,
        "A minimal court sneaker in smooth calfskin on a margom rubber cupsole.",
        ("Ivory", "Black"),
        MENS_SHOE_SIZES,
    ),
    _product(
        "P506",
        "Cristal Evening Sandal",
        "shoes",
        2350,
        "A strappy sandal embellished by hand with 600 crystals, on a 100 mm stiletto.",
        ("Gold", "Silver", "Black"),
        WOMENS_SHOE_SIZES,
    ),
    _product(
        "P507",
        "Bespoke Alligator Oxford",
        "shoes",
        6800,
        "A whole-cut oxford in glazed alligator, hand-lasted and hand-welted in our Florence "
        "workshop. Eight weeks to make.",
        ("Black", "Cognac"),
        MENS_SHOE_SIZES,
    ),
)


# --- customers --------------------------------------------------------------------------------

#: (customer id, name, loyalty tier). Emails are derived from the name at example.com.
_CUSTOMER_ROWS: tuple[tuple[str, str, str], ...] = (
    ("C1001", "Isabelle Fontaine", "platinum"),
    ("C1002", "James Whitmore", "gold"),
    ("C1003", "Sofia Marchetti", "silver"),
    ("C1004", "Lena Vogel", "none"),
    ("C1005", "Amara Okafor", "gold"),
    ("C1006", "Hiroshi Tanaka", "silver"),
    ("C1007", "Charlotte Dubois", "none"),
    ("C1008", "Mateo Alvarez", "none"),
    ("C1009", "Eleanor Price", "silver"),
    ("C1010", "Raphaël Martin", "gold"),
    ("C1011", "Priya Raman", "none"),
    ("C1012", "Oliver Bennett", "silver"),
    ("C1013", "Astrid Lindqvist", "none"),
    ("C1014", "Karim Haddad", "silver"),
    ("C1015", "Giulia Conti", "gold"),
    ("C1016", "Thomas Becker", "none"),
    ("C1017", "Victoria Ashford", "platinum"),
    ("C1018", "Noah Fischer", "none"),
    ("C1019", "Camille Laurent", "silver"),
    ("C1020", "Daniel Cohen", "none"),
    ("C1021", "Mei Chen", "gold"),
    ("C1022", "Lucas Moreau", "none"),
    ("C1023", "Hannah Schmidt", "silver"),
    ("C1024", "Alexander Petrov", "gold"),
    ("C1025", "Zoë van Dijk", "none"),
    ("C1026", "Samuel Adeyemi", "none"),
    ("C1027", "Beatrice Rossi", "silver"),
    ("C1028", "Henrik Nilsson", "none"),
    ("C1029", "Aisha Rahman", "silver"),
    ("C1030", "Edward Sinclair", "gold"),
    ("C1031", "Clara Jensen", "none"),
    ("C1032", "Julien Mercier", "none"),
    ("C1033", "Margaux de Villiers", "platinum"),
    ("C1034", "Ethan Brooks", "none"),
    ("C1035", "Ines Carvalho", "silver"),
    ("C1036", "Felix Wagner", "none"),
    ("C1037", "Nadia Kowalski", "silver"),
    ("C1038", "William Hartley", "gold"),
    ("C1039", "Emma Lefèvre", "none"),
    ("C1040", "Ravi Kapoor", "none"),
)

#: Per tier: fewest and most past orders, and the price range of what the customer buys.
_ORDER_PROFILE: dict[str, tuple[int, int, float, float]] = {
    "platinum": (5, 6, 2000, 20000),
    "gold": (3, 5, 400, 9000),
    "silver": (1, 4, 0, 4500),
    "none": (0, 2, 0, 1500),
}


def _email(name: str) -> str:
    """ "Zoë van Dijk" -> "zoe.van.dijk@example.com"."""
    decomposed = unicodedata.normalize("NFKD", name.lower())
    ascii_name = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return ascii_name.replace(" ", ".").replace("'", "") + "@example.com"


def _past_orders(customer_id: str, tier: str, first_order_number: int) -> tuple[PastOrder, ...]:
    """Made-up order history that fits the tier: platinum clients buy often and buy big.

    Seeded by the customer id, so the history is the same on every run.
    """
    rng = random.Random(customer_id)
    low, high, min_price, max_price = _ORDER_PROFILE[tier]
    affordable = [p for p in PRODUCTS if min_price <= p.price <= max_price]
    count = rng.randint(low, high)
    days = sorted(rng.sample(range(3, 701), count), reverse=True)
    orders = []
    for n, days_ago in enumerate(days):
        picks = rng.sample(affordable, rng.choice((1, 1, 1, 2, 2, 3)))
        lines = tuple(
            (p.product_id, 2 if p.price < 500 and rng.random() < 0.3 else 1) for p in picks
        )
        orders.append(PastOrder(f"MA-{first_order_number + n}", days_ago, lines))
    return tuple(orders)


def _customers() -> tuple[Customer, ...]:
    customers = []
    order_number = 20001
    for customer_id, name, tier in _CUSTOMER_ROWS:
        orders = _past_orders(customer_id, tier, order_number)
        order_number += len(orders)
        customers.append(Customer(customer_id, name, _email(name), tier, orders))
    return tuple(customers)


CUSTOMERS: tuple[Customer, ...] = _customers()


def product_by_id(product_id: str) -> Product | None:
    return next((p for p in PRODUCTS if p.product_id == product_id), None)


def category_by_slug(slug: str) -> Category | None:
    return next((c for c in CATEGORIES if c.slug == slug), None)


def customer_by_id(customer_id: str) -> Customer | None:
    return next((c for c in CUSTOMERS if c.customer_id == customer_id), None)
