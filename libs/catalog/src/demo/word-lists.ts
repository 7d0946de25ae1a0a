// Word lists for the catalog demo-data generator. Kept in the repo (not fetched) so the generated
// catalog is reproducible from a seed alone. All brand and company names are fictitious; place
// names are used only as origins, as Chinese shops do (五常大米, 崂山绿茶).

/** Integer fen (1/100 yuan); inclusive bounds. */
export interface PriceRange {
  min: number;
  max: number;
}

/**
 * A spec pattern such as `{n}kg/袋` or `{n}ml×{m}瓶`. Every combination of the listed values is one
 * possible SKU spec; combinations are ordered from the smallest to the largest pack so that a
 * product's SKUs can be priced in increasing order.
 */
export interface SpecTemplate {
  pattern: string;
  n?: readonly number[];
  m?: readonly number[];
  /** Free-text variants (sizes, editions) substituted for `{v}`, smallest first. */
  v?: readonly string[];
  /** Variants that differ only in size or colour (clothes, shoes) cost the same. */
  samePrice?: boolean;
}

export interface DemoSubcategory {
  code: string;
  name: string;
  nouns: readonly string[];
  /** Overrides the category's specs when the category's generic ones would not fit (保温杯 is not sold by the 卷). */
  specs?: readonly SpecTemplate[];
  /** Must lie inside the category's range. */
  priceFen?: PriceRange;
  /** Replaces the category's selling points where those would not fit (no 新米 on 花生油). */
  sellingPoints?: readonly string[];
  /** Replaces the category's adjectives where those would not fit (no 窖藏 on 果汁). */
  adjectives?: readonly string[];
}

export interface DemoCategory {
  code: string;
  name: string;
  forbidden: boolean;
  /** Food categories get farm-style adjectives, region-name prefixes and food certificates. */
  food: boolean;
  subcategories: readonly DemoSubcategory[];
  specs: readonly SpecTemplate[];
  priceFen: PriceRange;
  adjectives: readonly string[];
  /** Description fragments without a final full stop. */
  sellingPoints: readonly string[];
  /** Industry words for supplier company names: `{地名}{字号}{kind}有限公司`. */
  companyKinds: readonly string[];
}

export interface DemoRegion {
  /** GB/T 2260 administrative division code. */
  code: string;
  /** Name as written on an address or origin label. */
  name: string;
  /** Short place name used as a product-name prefix (崂山, 五常). */
  label: string;
  /** Category codes the place is known for; suppliers there mostly sell these. */
  specialties: readonly string[];
}

const SIZES_CLOTHES = ['S', 'M', 'L', 'XL', 'XXL'] as const;
const SIZES_SHOES = ['38', '39', '40', '41', '42', '43', '44'] as const;

/** The platform's 30 categories ("对接农副产品、食品等 30 类 5 万余种产品"). */
export const CATEGORIES: readonly DemoCategory[] = [
  {
    code: 'farm-produce',
    name: '农副产品',
    forbidden: false,
    food: true,
    subcategories: [
      { code: 'coarse-grains', name: '杂粮杂豆', nouns: ['小米', '绿豆', '红小豆', '黑米', '玉米糁', '薏米'] },
      { code: 'honey', name: '蜂蜜', nouns: ['槐花蜂蜜', '枣花蜂蜜', '百花蜂蜜'] },
      { code: 'farm-dried', name: '农家干货', nouns: ['红皮花生', '地瓜干', '花生米'] },
    ],
    specs: [
      { pattern: '{n}kg/袋', n: [1, 2.5, 5] },
      { pattern: '{n}g/罐', n: [500, 1000] },
      { pattern: '{n}g×{m}袋', n: [500], m: [2, 4, 6] },
    ],
    priceFen: { min: 990, max: 12800 },
    adjectives: ['农家', '有机', '原生态', '精选', '新粮', '古法', '头茬', '生态'],
    sellingPoints: [
      '农户直供，颗粒饱满',
      '不添加防腐剂，口感香醇',
      '当季新货，产地现发',
      '合作社统一种植，品质可溯源',
    ],
    companyKinds: ['农业', '农产品', '生态农业'],
  },
  {
    code: 'grain-oil',
    name: '粮油米面',
    forbidden: false,
    food: true,
    subcategories: [
      {
        code: 'rice',
        name: '大米',
        nouns: ['五常大米', '东北大米', '长粒香大米', '稻花香大米', '珍珠大米'],
        priceFen: { min: 1990, max: 39900 },
        sellingPoints: ['当季新米，米香浓郁', '颗粒饱满，蒸煮软糯', '一年一季，自然生长'],
      },
      {
        code: 'flour-noodles',
        name: '面粉挂面',
        nouns: ['小麦粉', '高筋面粉', '鸡蛋挂面', '手擀面'],
        sellingPoints: ['精选优质小麦，麦香浓郁', '筋道爽滑，久煮不糊', '适合蒸馒头、包饺子'],
        specs: [
          { pattern: '{n}kg/袋', n: [1, 2.5, 5] },
          { pattern: '{n}g×{m}袋', n: [500, 800], m: [2, 4, 6] },
        ],
      },
      {
        code: 'edible-oil',
        name: '食用油',
        nouns: ['花生油', '压榨花生油', '玉米油', '大豆油', '芝麻油'],
        priceFen: { min: 2990, max: 39900 },
        sellingPoints: ['物理压榨，保留原香', '烟点高，炒菜少油烟', '非转基因原料'],
        specs: [
          { pattern: '{n}L/桶', n: [1.8, 4, 5] },
          { pattern: '{n}L×{m}桶', n: [1.8, 5], m: [2] },
        ],
      },
    ],
    specs: [
      { pattern: '{n}kg/袋', n: [2.5, 5, 10] },
      { pattern: '{n}kg×{m}袋', n: [5], m: [2, 4] },
    ],
    priceFen: { min: 990, max: 39900 },
    adjectives: ['精选', '有机', '新米', '特级', '一级', '农家', '原生态', '物理压榨'],
    sellingPoints: ['真空包装，方便储存', '家庭常备，满足日常所需', '源头直采，品质稳定'],
    companyKinds: ['粮油', '米业', '食品'],
  },
  {
    code: 'meat-eggs',
    name: '肉禽蛋品',
    forbidden: false,
    food: true,
    subcategories: [
      { code: 'pork', name: '猪肉', nouns: ['黑猪五花肉', '猪肋排', '猪里脊'] },
      { code: 'beef-lamb', name: '牛羊肉', nouns: ['牛腩', '牛腱子', '锡林郭勒羊肉卷'] },
      { code: 'poultry', name: '禽肉', nouns: ['整鸡', '鸡胸肉', '鸭腿'] },
      {
        code: 'eggs',
        name: '蛋品',
        nouns: ['土鸡蛋', '柴鸡蛋', '鸭蛋'],
        specs: [{ pattern: '{n}枚/盒', n: [20, 30, 60] }],
        priceFen: { min: 1990, max: 12800 },
        sellingPoints: ['当天捡拾，新鲜直发', '蛋黄饱满，蛋香浓郁', '防震包装，破损包赔'],
      },
    ],
    specs: [
      { pattern: '{n}g/盒', n: [400, 500, 1000] },
      { pattern: '{n}kg/箱', n: [2, 5] },
    ],
    priceFen: { min: 1990, max: 39900 },
    adjectives: ['散养', '农家', '冷鲜', '生态', '精选', '草饲', '谷饲'],
    sellingPoints: [
      '冷链配送，新鲜到家',
      '检疫合格，放心食用',
      '林下散养，肉质紧实',
      '当日分割，锁鲜包装',
    ],
    companyKinds: ['食品', '牧业', '养殖'],
  },
  {
    code: 'seafood',
    name: '海鲜水产',
    forbidden: false,
    food: true,
    subcategories: [
      {
        code: 'sea-cucumber',
        name: '海参',
        nouns: ['海参', '即食海参', '淡干海参', '刺参'],
        priceFen: { min: 19900, max: 159900 },
      },
      { code: 'shellfish', name: '贝类', nouns: ['扇贝', '蛤蜊', '牡蛎', '鲍鱼'] },
      { code: 'fish-shrimp', name: '鱼虾', nouns: ['对虾', '带鱼', '鲅鱼', '黄花鱼', '海米'] },
    ],
    specs: [
      { pattern: '{n}g/盒', n: [250, 500] },
      { pattern: '{n}只/盒', n: [6, 10, 20] },
      { pattern: '{n}kg/箱', n: [1, 2.5] },
    ],
    priceFen: { min: 2990, max: 159900 },
    adjectives: ['鲜活', '野生', '深海', '冷冻', '即食', '精选', '特级', '海捕'],
    sellingPoints: [
      '近海捕捞，急冻锁鲜',
      '冷链直发，个头均匀',
      '肉质饱满，鲜甜弹牙',
      '渔民直供，品质可溯源',
    ],
    companyKinds: ['水产', '海洋食品', '渔业'],
  },
  {
    code: 'fruit',
    name: '新鲜水果',
    forbidden: false,
    food: true,
    subcategories: [
      { code: 'apples-pears', name: '苹果梨', nouns: ['苹果', '红富士苹果', '栖霞苹果', '冰糖心苹果', '莱阳梨'] },
      { code: 'berries-cherries', name: '樱桃莓果', nouns: ['大樱桃', '蓝莓', '草莓'] },
      { code: 'citrus-tropical', name: '柑橘热带果', nouns: ['赣南脐橙', '砂糖橘', '百色芒果', '猕猴桃'] },
      { code: 'grapes', name: '葡萄', nouns: ['大泽山葡萄', '吐鲁番葡萄', '巨峰葡萄'] },
    ],
    specs: [
      { pattern: '{n}kg/箱', n: [2.5, 5, 10] },
      { pattern: '{n}斤/箱', n: [3, 5, 9] },
      { pattern: '{n}个/箱', n: [12, 18, 24] },
    ],
    priceFen: { min: 1990, max: 19900 },
    adjectives: ['新鲜', '当季', '头茬', '精品', '特级', '有机', '原生态', '现摘'],
    sellingPoints: [
      '当季现摘，果园直发',
      '果香浓郁，酸甜适口',
      '人工挑选，大小均匀',
      '坏果包赔，冷链到家',
    ],
    companyKinds: ['果业', '农业', '果蔬'],
  },
  {
    code: 'tea',
    name: '茶叶',
    forbidden: false,
    food: true,
    subcategories: [
      { code: 'green-tea', name: '绿茶', nouns: ['绿茶', '崂山绿茶', '日照绿茶', '龙井茶', '信阳毛尖'] },
      { code: 'black-oolong', name: '红茶乌龙', nouns: ['红茶', '崂山红茶', '铁观音', '大红袍'] },
      { code: 'puer', name: '普洱', nouns: ['普洱茶', '普洱茶饼'] },
    ],
    specs: [
      { pattern: '{n}g/罐', n: [100, 125, 250] },
      { pattern: '{n}g/盒', n: [250, 500] },
      { pattern: '{n}g×{m}罐', n: [125], m: [2, 4] },
    ],
    priceFen: { min: 3800, max: 88800 },
    adjectives: ['特级', '明前', '春茶', '手工', '高山', '有机', '一级'],
    sellingPoints: [
      '高山云雾茶园，一芽一叶手工采摘',
      '汤色清亮，回甘持久',
      '传统工艺炒制，栗香浓郁',
      '独立小罐包装，便于保存',
    ],
    companyKinds: ['茶业', '茶叶', '生态茶园'],
  },
  {
    code: 'snacks',
    name: '休闲零食',
    forbidden: false,
    food: true,
    subcategories: [
      { code: 'nuts', name: '坚果', nouns: ['每日坚果', '碧根果', '巴旦木', '核桃'] },
      { code: 'dried-fruit', name: '果干蜜饯', nouns: ['葡萄干', '红枣', '芒果干'] },
      { code: 'pastry', name: '饼干糕点', nouns: ['苏打饼干', '桃酥', '蛋黄酥'] },
      { code: 'meat-snacks', name: '肉干海味', nouns: ['牛肉干', '鱿鱼丝', '烤鱼片'] },
    ],
    specs: [
      { pattern: '{n}g/袋', n: [200, 250, 500] },
      { pattern: '{n}g/盒', n: [750, 1000] },
      { pattern: '{n}g×{m}袋', n: [25], m: [20, 30] },
    ],
    priceFen: { min: 990, max: 15900 },
    adjectives: ['手工', '原味', '精选', '新货', '低糖', '香酥'],
    sellingPoints: ['独立小包装，办公室常备', '酥脆可口，老少皆宜', '原料精选，现烤现发', '低温烘焙，锁住营养'],
    companyKinds: ['食品', '休闲食品', '商贸'],
  },
  {
    code: 'daily-necessities',
    name: '日用百货',
    forbidden: false,
    food: false,
    subcategories: [
      {
        code: 'paper',
        name: '纸品',
        nouns: ['抽纸', '卷纸', '湿巾'],
        specs: [
          { pattern: '{n}包/提', n: [6, 10, 24] },
          { pattern: '{n}卷/提', n: [10, 20, 30] },
        ],
        priceFen: { min: 990, max: 8900 },
      },
      {
        code: 'storage',
        name: '收纳',
        nouns: ['收纳箱', '衣架', '保温杯', '雨伞', '晾衣架'],
        specs: [{ pattern: '{v}', v: ['单个装', '两件套', '四件套'] }],
      },
    ],
    specs: [{ pattern: '{v}', v: ['单个装', '两件套', '四件套'] }],
    priceFen: { min: 990, max: 19900 },
    adjectives: ['加厚', '家用', '便携', '大容量', '加大', '简约'],
    sellingPoints: ['家庭常备，实用耐用', '加厚材质，不易变形', '简约设计，百搭好用', '品质检测合格，放心使用'],
    companyKinds: ['日用品', '商贸', '家居用品'],
  },
  {
    code: 'small-appliances',
    name: '小家电',
    forbidden: false,
    food: false,
    subcategories: [
      { code: 'kitchen-appliances', name: '厨房电器', nouns: ['电饭煲', '空气炸锅', '豆浆机', '电水壶', '破壁机'] },
      { code: 'personal-appliances', name: '个护电器', nouns: ['电动牙刷', '吹风机', '剃须刀'] },
      { code: 'home-appliances', name: '生活电器', nouns: ['加湿器', '电风扇', '电暖器'] },
    ],
    specs: [
      { pattern: '{v}', v: ['标准款', '升级款', '旗舰款'] },
      { pattern: '{v}', v: ['白色', '灰色', '粉色'], samePrice: true },
    ],
    priceFen: { min: 5900, max: 99900 },
    adjectives: ['智能', '家用', '迷你', '多功能', '静音', '大容量'],
    sellingPoints: ['全国联保一年，售后无忧', '多档调节，操作简单', '安全防护，家用放心', '节能省电，噪音低'],
    companyKinds: ['电器', '电子科技', '家电'],
  },
  {
    code: 'beverages',
    name: '酒水饮料',
    forbidden: false,
    food: true,
    subcategories: [
      {
        code: 'beer',
        name: '啤酒',
        nouns: ['原浆啤酒', '精酿啤酒', '鲜啤', '小麦啤酒'],
        adjectives: ['原浆', '冰爽', '鲜酿', '精选', '整箱'],
        sellingPoints: ['麦香浓郁，泡沫细腻', '整箱发货，聚餐常备', '冷藏后口感更佳'],
        specs: [
          { pattern: '{n}ml×{m}瓶', n: [500], m: [6, 12, 24] },
          { pattern: '{n}L/桶', n: [1, 2, 5] },
        ],
      },
      {
        code: 'wine-spirits',
        name: '葡萄酒黄酒',
        nouns: ['干红葡萄酒', '干白葡萄酒', '黄酒', '即墨老酒'],
        adjectives: ['窖藏', '特酿', '陈酿', '精选', '珍藏'],
        priceFen: { min: 3990, max: 59900 },
        sellingPoints: ['优质原料酿造，口感醇厚', '窖藏陈酿，酒香馥郁', '宴请送礼皆宜'],
        specs: [
          { pattern: '{n}ml/瓶', n: [500, 750] },
          { pattern: '{n}ml×{m}瓶', n: [750], m: [2, 6] },
        ],
      },
      {
        code: 'soft-drinks',
        name: '饮料饮用水',
        nouns: ['矿泉水', '苏打水', '果汁', '酸梅汤'],
        adjectives: ['低糖', '冰爽', '无糖', '天然', '整箱'],
        priceFen: { min: 1990, max: 12800 },
        sellingPoints: ['口感清爽，冰镇更佳', '整箱配送，办公居家常备', '水源地灌装'],
      },
    ],
    specs: [{ pattern: '{n}ml×{m}瓶', n: [350, 550], m: [12, 24] }],
    priceFen: { min: 1990, max: 59900 },
    adjectives: ['精选', '原浆', '低糖', '冰爽', '窖藏', '特酿'],
    sellingPoints: ['整箱发货，聚餐常备', '产地直发，新鲜度有保障'],
    companyKinds: ['酒业', '饮品', '食品'],
  },
  {
    code: 'dairy',
    name: '乳品',
    forbidden: false,
    food: true,
    subcategories: [
      {
        code: 'liquid-milk',
        name: '液态奶',
        nouns: ['纯牛奶', '鲜牛奶', '高钙牛奶'],
        specs: [{ pattern: '{n}ml×{m}盒', n: [200, 250], m: [12, 16, 24] }],
      },
      {
        code: 'yogurt',
        name: '酸奶',
        nouns: ['酸奶', '风味发酵乳'],
        specs: [{ pattern: '{n}g×{m}杯', n: [100, 200], m: [8, 12] }],
      },
      {
        code: 'powder-cheese',
        name: '奶粉奶酪',
        nouns: ['全脂奶粉', '中老年奶粉', '奶酪棒'],
        sellingPoints: ['优质奶源，营养丰富', '速溶不结块，冲调方便', '独立包装，随取随用'],
        specs: [{ pattern: '{n}g/罐', n: [400, 800] }],
      },
    ],
    specs: [{ pattern: '{n}ml×{m}盒', n: [200, 250], m: [12, 24] }],
    priceFen: { min: 2990, max: 29900 },
    adjectives: ['全脂', '高钙', '有机', '草原', '低脂', '新鲜'],
    sellingPoints: ['优质奶源，营养丰富', '巴氏杀菌，保留活性营养', '早餐好搭档，全家适饮', '冷链运输，新鲜直达'],
    companyKinds: ['乳业', '牧业', '食品'],
  },
  {
    code: 'condiments',
    name: '调味品',
    forbidden: false,
    food: true,
    subcategories: [
      { code: 'sauces', name: '酱油醋', nouns: ['酱油', '老陈醋', '蚝油', '料酒'] },
      {
        code: 'pastes',
        name: '酱料',
        nouns: ['郫县豆瓣酱', '黄豆酱', '大酱'],
        specs: [
          { pattern: '{n}g/瓶', n: [300, 500] },
          { pattern: '{n}g×{m}瓶', n: [300], m: [2, 3] },
        ],
      },
      {
        code: 'salt-spices',
        name: '盐与香料',
        nouns: ['海盐', '花椒', '八角'],
        specs: [{ pattern: '{n}g/袋', n: [100, 250, 500] }],
      },
    ],
    specs: [
      { pattern: '{n}ml/瓶', n: [500, 1000, 1900] },
      { pattern: '{n}ml×{m}瓶', n: [500], m: [2, 4] },
    ],
    priceFen: { min: 590, max: 8900 },
    adjectives: ['古法', '酿造', '特级', '零添加', '头道', '传统'],
    sellingPoints: ['传统工艺酿造，酱香浓郁', '零添加防腐剂', '厨房必备，提鲜增香', '日晒夜露，自然发酵'],
    companyKinds: ['调味品', '酿造', '食品'],
  },
  {
    code: 'dried-goods',
    name: '干货',
    forbidden: false,
    food: true,
    subcategories: [
      { code: 'fungi', name: '菌菇', nouns: ['香菇', '黑木耳', '银耳', '榛蘑'] },
      { code: 'dried-seafood', name: '海味干货', nouns: ['虾皮', '紫菜', '海带', '干贝'] },
      { code: 'dried-others', name: '南北干货', nouns: ['粉丝', '腐竹'] },
    ],
    specs: [
      { pattern: '{n}g/袋', n: [100, 250, 500] },
      { pattern: '{n}g/罐', n: [200, 400] },
      { pattern: '{n}g×{m}袋', n: [250], m: [2, 4] },
    ],
    priceFen: { min: 990, max: 19900 },
    adjectives: ['野生', '精选', '特级', '农家', '无沙', '肉厚'],
    sellingPoints: ['自然晾晒，久放不坏', '泡发率高，口感爽滑', '无硫熏制，放心食用', '煲汤炖菜皆宜'],
    companyKinds: ['食品', '农产品', '商贸'],
  },
  {
    code: 'vegetables',
    name: '蔬菜',
    forbidden: false,
    food: true,
    subcategories: [
      { code: 'leafy', name: '叶菜', nouns: ['胶州大白菜', '马家沟芹菜', '菠菜'] },
      { code: 'fruit-veg', name: '茄果瓜类', nouns: ['寿光西红柿', '黄瓜', '彩椒'] },
      { code: 'roots', name: '根茎类', nouns: ['土豆', '山药', '胡萝卜', '章丘大葱'] },
    ],
    specs: [
      { pattern: '{n}斤/箱', n: [5, 10] },
      { pattern: '{n}kg/箱', n: [2.5, 5] },
    ],
    priceFen: { min: 1290, max: 9900 },
    adjectives: ['新鲜', '有机', '农家', '当季', '生态', '露地'],
    sellingPoints: ['清晨采摘，当天发货', '基地种植，农残检测合格', '脆嫩多汁，口感清甜', '助农直采，让利职工'],
    companyKinds: ['果蔬', '农业', '蔬菜'],
  },
  {
    code: 'health-tonics',
    name: '滋补保健',
    forbidden: false,
    food: true,
    subcategories: [
      { code: 'herbal', name: '药食同源', nouns: ['宁夏枸杞', '长白山人参', '黄芪', '西洋参'] },
      {
        code: 'tonic-food',
        name: '滋补食品',
        nouns: ['阿胶糕', '黑芝麻丸', '红枣枸杞茶', '燕窝'],
        specs: [
          { pattern: '{n}g/盒', n: [250, 500] },
          { pattern: '{n}g×{m}盒', n: [250], m: [2] },
        ],
      },
    ],
    specs: [
      { pattern: '{n}g/盒', n: [250, 500] },
      { pattern: '{n}g/罐', n: [150, 300] },
    ],
    priceFen: { min: 3900, max: 99900 },
    adjectives: ['精选', '特级', '头茬', '古法', '野生', '足年'],
    sellingPoints: ['精选道地原料', '礼盒包装，送礼自用两相宜', '开袋即食，冲泡方便', '按标准生产，批批检测'],
    companyKinds: ['生物科技', '健康产业', '食品'],
  },
  {
    code: 'personal-care',
    name: '个人护理',
    forbidden: false,
    food: false,
    subcategories: [
      { code: 'hair-body', name: '洗发沐浴', nouns: ['洗发水', '沐浴露', '身体乳'] },
      {
        code: 'oral',
        name: '口腔护理',
        nouns: ['牙膏', '牙刷'],
        specs: [{ pattern: '{n}g×{m}支', n: [120], m: [2, 3, 4] }],
        priceFen: { min: 990, max: 6900 },
      },
      {
        code: 'skin',
        name: '面部护理',
        nouns: ['洗面奶', '护手霜', '海藻面膜'],
        specs: [
          { pattern: '{n}ml/支', n: [50, 100] },
          { pattern: '{n}片/盒', n: [10, 20] },
        ],
      },
    ],
    specs: [
      { pattern: '{n}ml/瓶', n: [400, 500, 750] },
      { pattern: '{n}ml×{m}瓶', n: [500], m: [2, 3] },
    ],
    priceFen: { min: 990, max: 15900 },
    adjectives: ['温和', '清爽', '滋润', '植物', '氨基酸', '深层'],
    sellingPoints: ['温和配方，敏感肌可用', '清香持久，泡沫细腻', '家庭装更实惠', '大容量，全家共用'],
    companyKinds: ['日化', '生物科技', '化妆品'],
  },
  {
    code: 'home-cleaning',
    name: '家居清洁',
    forbidden: false,
    food: false,
    subcategories: [
      { code: 'laundry', name: '衣物清洁', nouns: ['洗衣液', '洗衣凝珠', '衣物柔顺剂'] },
      { code: 'kitchen-cleaning', name: '厨房清洁', nouns: ['洗洁精', '油污净'] },
      {
        code: 'household',
        name: '家居用品',
        nouns: ['消毒液', '地板清洁剂', '垃圾袋'],
        specs: [
          { pattern: '{n}kg/瓶', n: [1, 2] },
          { pattern: '{n}只×{m}卷', n: [30], m: [5, 10] },
        ],
      },
    ],
    specs: [
      { pattern: '{n}kg/瓶', n: [1, 2, 3] },
      { pattern: '{n}kg×{m}瓶', n: [2], m: [2, 4] },
    ],
    priceFen: { min: 590, max: 12900 },
    adjectives: ['浓缩', '除菌', '家用', '植物', '强力', '低泡'],
    sellingPoints: ['强力去污，易漂洗', '温和不伤手', '清新香型，居家适用', '大包装更实惠'],
    companyKinds: ['日化', '清洁用品', '商贸'],
  },
  {
    code: 'kitchenware',
    name: '厨具',
    forbidden: false,
    food: false,
    subcategories: [
      {
        code: 'pots',
        name: '锅具',
        nouns: ['炒锅', '不粘锅', '汤锅', '铁锅'],
        specs: [{ pattern: '{n}cm', n: [28, 30, 32] }],
      },
      { code: 'knives', name: '刀具砧板', nouns: ['菜刀', '刀具套装', '砧板'], priceFen: { min: 1990, max: 29900 } },
      { code: 'containers', name: '保鲜收纳', nouns: ['保鲜盒', '玻璃饭盒'], priceFen: { min: 1990, max: 12900 } },
    ],
    specs: [{ pattern: '{v}', v: ['单件装', '三件套', '五件套'] }],
    priceFen: { min: 1990, max: 59900 },
    adjectives: ['不锈钢', '家用', '加厚', '手工锻打', '无涂层', '耐用'],
    sellingPoints: ['燃气电磁炉通用', '受热均匀，少油烟', '食品级材质，安全放心', '手工锻打，经久耐用'],
    companyKinds: ['厨具', '五金制品', '家居用品'],
  },
  {
    code: 'bedding',
    name: '床上用品',
    forbidden: false,
    food: false,
    subcategories: [
      { code: 'sets', name: '床品套件', nouns: ['纯棉四件套', '磨毛四件套', '床单'] },
      { code: 'quilts', name: '被子', nouns: ['蚕丝被', '羽绒被', '夏凉被'] },
      {
        code: 'pillows',
        name: '枕头',
        nouns: ['乳胶枕', '荞麦枕'],
        specs: [{ pattern: '{v}', v: ['单只装', '一对装'] }],
        priceFen: { min: 4900, max: 39900 },
      },
    ],
    specs: [{ pattern: '{v}', v: ['1.5m床', '1.8m床', '2.0m床'] }],
    priceFen: { min: 4900, max: 129900 },
    adjectives: ['纯棉', '亲肤', '加厚', '全棉', '柔软', '四季'],
    sellingPoints: ['亲肤透气，四季适用', '可机洗，不易起球', '环保印染，安心入睡', '蓬松柔软，保暖不闷'],
    companyKinds: ['家纺', '纺织', '床上用品'],
  },
  {
    code: 'apparel',
    name: '服装鞋帽',
    forbidden: false,
    food: false,
    subcategories: [
      {
        code: 'clothes',
        name: '服装',
        nouns: ['冲锋衣', '羽绒服', '保暖内衣', '羊毛衫', '工装裤'],
        priceFen: { min: 4990, max: 99900 },
        specs: [{ pattern: '{v}码', v: SIZES_CLOTHES, samePrice: true }],
      },
      {
        code: 'shoes',
        name: '鞋靴',
        nouns: ['运动鞋', '劳保鞋', '健步鞋'],
        specs: [{ pattern: '{v}码', v: SIZES_SHOES, samePrice: true }],
      },
      {
        code: 'hats-socks',
        name: '帽袜配饰',
        nouns: ['棒球帽', '纯棉袜子', '围巾'],
        specs: [{ pattern: '{v}', v: ['黑色', '灰色', '藏青色'], samePrice: true }],
        priceFen: { min: 1990, max: 19900 },
      },
    ],
    specs: [{ pattern: '{v}码', v: SIZES_CLOTHES, samePrice: true }],
    priceFen: { min: 1990, max: 99900 },
    adjectives: ['保暖', '透气', '轻便', '纯棉', '加绒', '防风'],
    sellingPoints: ['面料舒适，透气不闷', '做工精细，版型修身', '支持七天无理由退换', '耐磨防滑，久穿不累'],
    companyKinds: ['服饰', '针织', '鞋业'],
  },
  {
    code: 'maternal-baby',
    name: '母婴',
    forbidden: false,
    food: false,
    subcategories: [
      {
        code: 'diapers',
        name: '纸尿裤湿巾',
        nouns: ['婴儿纸尿裤', '拉拉裤', '婴儿湿巾'],
        specs: [{ pattern: '{v}码', v: ['S', 'M', 'L', 'XL'], samePrice: true }],
      },
      { code: 'feeding', name: '喂养用品', nouns: ['奶瓶', '儿童餐具', '儿童水杯'] },
      {
        code: 'baby-care',
        name: '洗护用品',
        nouns: ['儿童牙膏', '婴儿洗衣液'],
        specs: [{ pattern: '{n}ml/瓶', n: [500, 1000] }],
      },
    ],
    specs: [{ pattern: '{v}', v: ['单个装', '两件套', '礼盒装'] }],
    priceFen: { min: 1990, max: 29900 },
    adjectives: ['婴儿', '柔薄', '宝宝', '安心', '食品级', '便携'],
    sellingPoints: ['食品级材质，宝宝安心用', '柔软亲肤，干爽透气', '无荧光剂，温和不刺激'],
    companyKinds: ['母婴用品', '卫生用品', '商贸'],
  },
  {
    code: 'stationery-sports',
    name: '文体用品',
    forbidden: false,
    food: false,
    subcategories: [
      {
        code: 'stationery',
        name: '文具',
        nouns: ['中性笔', '笔记本', '书法套装'],
        specs: [{ pattern: '{n}支/盒', n: [12, 24] }, { pattern: '{n}本/套', n: [3, 5, 10] }],
        priceFen: { min: 590, max: 12900 },
      },
      {
        code: 'ball-games',
        name: '球拍',
        nouns: ['羽毛球拍', '乒乓球拍', '网球拍'],
        specs: [{ pattern: '{v}', v: ['单拍', '双拍套装'] }],
      },
      { code: 'fitness', name: '健身用品', nouns: ['瑜伽垫', '跳绳', '哑铃', '弹力带'] },
    ],
    specs: [{ pattern: '{v}', v: ['单个装', '两件套', '家庭套装'] }],
    priceFen: { min: 590, max: 39900 },
    adjectives: ['专业', '加厚', '便携', '训练', '耐磨', '学生'],
    sellingPoints: ['职工文体活动适用', '手感舒适，经久耐用', '送配套收纳袋'],
    companyKinds: ['文体用品', '体育用品', '商贸'],
  },
  {
    code: 'books',
    name: '图书',
    forbidden: false,
    food: false,
    subcategories: [
      { code: 'life', name: '生活', nouns: ['家常菜谱', '健康养生读本', '园艺入门'] },
      { code: 'children', name: '少儿', nouns: ['儿童绘本', '少儿百科全书'] },
      { code: 'humanities', name: '人文社科', nouns: ['劳动法律读本', '中国历史读本', '青岛地方史话', '工会工作实务'] },
    ],
    specs: [{ pattern: '{v}', v: ['平装', '精装', '全套'] }],
    priceFen: { min: 1990, max: 19900 },
    adjectives: ['全彩', '图解', '新版', '注音', '插图', '精编'],
    sellingPoints: ['正版图书，印刷清晰', '内容通俗易懂，图文并茂', '职工书屋推荐书目'],
    companyKinds: ['文化传媒', '图书', '文化'],
  },
  {
    code: 'digital-accessories',
    name: '数码配件',
    forbidden: false,
    food: false,
    subcategories: [
      {
        code: 'power',
        name: '充电配件',
        nouns: ['充电宝', '数据线', '快充充电器'],
        specs: [{ pattern: '{n}mAh', n: [5000, 10000, 20000] }, { pattern: '{n}m', n: [1, 1.5, 2] }],
      },
      { code: 'audio', name: '影音', nouns: ['蓝牙耳机', '蓝牙音箱'] },
      { code: 'peripherals', name: '外设', nouns: ['无线鼠标', '键盘', '手机支架'] },
    ],
    specs: [{ pattern: '{v}', v: ['标准版', '升级版', 'Pro版'] }],
    priceFen: { min: 1990, max: 39900 },
    adjectives: ['无线', '快充', '便携', '降噪', '迷你', '磁吸'],
    sellingPoints: ['兼容主流手机', '通过3C认证，安全放心', '小巧便携，出行必备', '一年质保，换新无忧'],
    companyKinds: ['电子科技', '数码科技', '电子'],
  },
  {
    code: 'outdoor-sports',
    name: '户外运动',
    forbidden: false,
    food: false,
    subcategories: [
      { code: 'camping', name: '露营', nouns: ['帐篷', '露营椅', '天幕', '睡袋'] },
      { code: 'hiking', name: '登山徒步', nouns: ['登山杖', '运动背包', '户外保温壶'] },
      { code: 'fishing-cycling', name: '垂钓骑行', nouns: ['钓鱼竿', '骑行头盔'] },
    ],
    specs: [{ pattern: '{v}', v: ['单人款', '双人款', '家庭款'] }],
    priceFen: { min: 2990, max: 99900 },
    adjectives: ['轻量', '防水', '折叠', '便携', '专业', '速开'],
    sellingPoints: ['轻量便携，收纳方便', '防水耐磨，适合海边露营', '结构稳固，搭建简单'],
    companyKinds: ['户外用品', '体育用品', '商贸'],
  },
  {
    code: 'auto-supplies',
    name: '汽车用品',
    forbidden: false,
    food: false,
    subcategories: [
      { code: 'car-electronics', name: '车载电器', nouns: ['车载充电器', '行车记录仪', '车载吸尘器'] },
      { code: 'interior', name: '内饰用品', nouns: ['汽车脚垫', '车载香薰', '座椅靠垫'] },
      {
        code: 'car-care',
        name: '清洗养护',
        nouns: ['玻璃水', '洗车液'],
        specs: [{ pattern: '{n}L×{m}瓶', n: [1.3, 2], m: [2, 4] }],
        priceFen: { min: 990, max: 9900 },
      },
    ],
    specs: [{ pattern: '{v}', v: ['通用款', '升级款', '豪华款'] }],
    priceFen: { min: 990, max: 69900 },
    adjectives: ['车载', '通用', '防滑', '四季', '高清', '大吸力'],
    sellingPoints: ['适配主流车型', '安装简单，即插即用', '四季通用，易清洗'],
    companyKinds: ['汽车用品', '商贸', '电子科技'],
  },
  {
    code: 'pet-supplies',
    name: '宠物用品',
    forbidden: false,
    food: false,
    subcategories: [
      {
        code: 'pet-food',
        name: '宠物主粮',
        nouns: ['猫粮', '狗粮', '宠物零食'],
        specs: [{ pattern: '{n}kg/袋', n: [1.5, 2, 5, 10] }],
      },
      {
        code: 'cat-litter',
        name: '猫砂',
        nouns: ['豆腐猫砂', '膨润土猫砂'],
        specs: [{ pattern: '{n}kg×{m}包', n: [2.5], m: [2, 4, 6] }],
      },
      { code: 'pet-goods', name: '宠物日用', nouns: ['宠物窝', '宠物玩具', '牵引绳'] },
    ],
    specs: [{ pattern: '{v}', v: ['S号', 'M号', 'L号'] }],
    priceFen: { min: 990, max: 29900 },
    adjectives: ['全价', '天然', '低敏', '除臭', '耐咬', '四季'],
    sellingPoints: ['营养均衡，适口性好', '结团快，低粉尘', '柔软舒适，可拆洗'],
    companyKinds: ['宠物用品', '宠物食品', '商贸'],
  },
  {
    code: 'flowers-gardening',
    name: '花卉园艺',
    forbidden: false,
    food: false,
    subcategories: [
      { code: 'potted', name: '盆栽绿植', nouns: ['绿萝', '多肉植物', '发财树', '蝴蝶兰', '月季', '耐冬'] },
      {
        code: 'garden-supplies',
        name: '园艺用品',
        nouns: ['营养土', '花盆', '缓释肥'],
        specs: [{ pattern: '{n}L/袋', n: [10, 25, 50] }],
        priceFen: { min: 990, max: 9900 },
      },
    ],
    specs: [{ pattern: '{v}', v: ['小盆', '中盆', '大盆'] }],
    priceFen: { min: 990, max: 29900 },
    adjectives: ['四季', '耐养', '室内', '带盆', '开花', '精品'],
    sellingPoints: ['基地直发，带土发货', '好养易活，适合办公室', '净化空气，装点居家'],
    companyKinds: ['花卉', '园艺', '农业'],
  },
  {
    code: 'local-specialties',
    name: '地方特产',
    forbidden: false,
    food: true,
    subcategories: [
      { code: 'qingdao-specialties', name: '青岛特产', nouns: ['王哥庄大馒头', '流亭猪蹄', '鲅鱼水饺', '青岛脂渣'] },
      { code: 'shandong-specialties', name: '山东特产', nouns: ['德州扒鸡', '周村烧饼', '潍坊萝卜', '手工煎饼'] },
      { code: 'other-specialties', name: '各地特产', nouns: ['金华火腿', '风味香肠', '传统糕点'] },
    ],
    specs: [
      { pattern: '{n}g/袋', n: [500, 1000] },
      { pattern: '{n}g/盒', n: [800, 1500] },
      { pattern: '{n}只/箱', n: [2, 4] },
    ],
    priceFen: { min: 1990, max: 39900 },
    adjectives: ['传统', '手工', '老字号风味', '古法', '正宗', '现做'],
    sellingPoints: ['地道家乡味道', '传统手艺制作，现做现发', '真空包装，便于携带', '送礼自用皆宜'],
    companyKinds: ['食品', '特产', '商贸'],
  },
  {
    code: 'festival-gift-boxes',
    name: '节日礼盒',
    forbidden: false,
    food: true,
    subcategories: [
      { code: 'festival-food', name: '节令礼盒', nouns: ['中秋月饼礼盒', '端午粽子礼盒', '春节年货礼盒'] },
      { code: 'fresh-gifts', name: '生鲜礼盒', nouns: ['海鲜礼盒', '水果礼盒', '牛羊肉礼盒'] },
      { code: 'dry-gifts', name: '干货礼盒', nouns: ['坚果礼盒', '粮油礼盒', '茶叶礼盒'] },
    ],
    specs: [{ pattern: '{v}', v: ['经典款', '臻选款', '尊享款'] }],
    priceFen: { min: 5900, max: 59900 },
    adjectives: ['精装', '臻选', '团圆', '福满', '尊享', '吉祥'],
    sellingPoints: ['节日福利首选，包装大气', '多种口味组合，满足全家', '可代发至家，附赠礼袋'],
    companyKinds: ['食品', '商贸', '供应链管理'],
  },
];

/** Categories the union rules forbid: cash equivalents would turn welfare points into money. */
export const FORBIDDEN_CATEGORIES: readonly DemoCategory[] = [
  {
    code: 'cash-equivalents',
    name: '购物卡/储值卡/代金券',
    forbidden: true,
    food: false,
    subcategories: [
      { code: 'shopping-cards', name: '购物卡', nouns: ['购物卡'] },
      { code: 'stored-value-cards', name: '储值卡', nouns: ['储值卡'] },
      { code: 'vouchers', name: '代金券', nouns: ['代金券'] },
    ],
    specs: [{ pattern: '面值{n}元', n: [100, 500, 1000] }],
    priceFen: { min: 10000, max: 100000 },
    adjectives: [],
    sellingPoints: [],
    companyKinds: [],
  },
];

/**
 * Place names that some nouns carry. A product with such a noun comes from that place, whoever
 * sells it, so its origin is that region rather than the supplier's.
 */
export const NOUN_ORIGINS: Readonly<Record<string, string>> = {
  五常大米: '230184',
  锡林郭勒羊肉卷: '152500',
  栖霞苹果: '370686',
  冰糖心苹果: '652900',
  莱阳梨: '370682',
  赣南脐橙: '360700',
  百色芒果: '451000',
  大泽山葡萄: '370283',
  吐鲁番葡萄: '650400',
  崂山绿茶: '370212',
  崂山红茶: '370212',
  日照绿茶: '371100',
  龙井茶: '330106',
  信阳毛尖: '411500',
  铁观音: '350524',
  大红袍: '350782',
  普洱茶: '530800',
  普洱茶饼: '530800',
  即墨老酒: '370215',
  老陈醋: '140121',
  郫县豆瓣酱: '510117',
  胶州大白菜: '370281',
  马家沟芹菜: '370283',
  寿光西红柿: '370783',
  章丘大葱: '370114',
  宁夏枸杞: '640521',
  长白山人参: '220621',
  王哥庄大馒头: '370212',
  流亭猪蹄: '370214',
  鲅鱼水饺: '370200',
  青岛脂渣: '370200',
  德州扒鸡: '371400',
  周村烧饼: '370300',
  潍坊萝卜: '370700',
  金华火腿: '330700',
  青岛地方史话: '370200',
};

/** Qingdao city (青岛市, 3702) and its districts and county-level cities. */
export const QINGDAO_REGIONS: readonly DemoRegion[] = [
  { code: '370200', name: '山东省青岛市', label: '青岛', specialties: [] },
  { code: '370202', name: '山东省青岛市市南区', label: '青岛', specialties: ['seafood', 'local-specialties'] },
  { code: '370203', name: '山东省青岛市市北区', label: '青岛', specialties: ['beverages', 'daily-necessities'] },
  { code: '370211', name: '山东省青岛市黄岛区', label: '黄岛', specialties: ['seafood', 'small-appliances', 'tea'] },
  { code: '370212', name: '山东省青岛市崂山区', label: '崂山', specialties: ['tea', 'seafood', 'fruit', 'beverages'] },
  { code: '370213', name: '山东省青岛市李沧区', label: '青岛', specialties: ['daily-necessities', 'dried-goods'] },
  { code: '370214', name: '山东省青岛市城阳区', label: '城阳', specialties: ['local-specialties', 'meat-eggs', 'snacks'] },
  { code: '370215', name: '山东省青岛市即墨区', label: '即墨', specialties: ['apparel', 'beverages', 'farm-produce'] },
  { code: '370281', name: '山东省青岛市胶州市', label: '胶州', specialties: ['vegetables', 'farm-produce', 'grain-oil'] },
  { code: '370283', name: '山东省青岛市平度市', label: '平度', specialties: ['fruit', 'vegetables', 'farm-produce'] },
  { code: '370285', name: '山东省青岛市莱西市', label: '莱西', specialties: ['meat-eggs', 'farm-produce', 'dairy'] },
];

/** Origins outside Qingdao, each with what it is known for. */
export const OTHER_REGIONS: readonly DemoRegion[] = [
  { code: '370000', name: '山东省', label: '山东', specialties: ['grain-oil', 'farm-produce', 'festival-gift-boxes'] },
  { code: '370114', name: '山东省济南市章丘区', label: '章丘', specialties: ['vegetables', 'kitchenware'] },
  { code: '370300', name: '山东省淄博市', label: '淄博', specialties: ['local-specialties', 'kitchenware'] },
  { code: '370600', name: '山东省烟台市', label: '烟台', specialties: ['fruit', 'beverages', 'seafood'] },
  { code: '370682', name: '山东省莱阳市', label: '莱阳', specialties: ['fruit'] },
  { code: '370686', name: '山东省栖霞市', label: '栖霞', specialties: ['fruit'] },
  {
    code: '370700',
    name: '山东省潍坊市',
    label: '潍坊',
    specialties: ['vegetables', 'local-specialties', 'flowers-gardening'],
  },
  { code: '370783', name: '山东省寿光市', label: '寿光', specialties: ['vegetables'] },
  { code: '371000', name: '山东省威海市', label: '威海', specialties: ['seafood', 'dried-goods'] },
  { code: '371100', name: '山东省日照市', label: '日照', specialties: ['tea', 'seafood'] },
  { code: '371300', name: '山东省临沂市', label: '临沂', specialties: ['daily-necessities', 'snacks', 'home-cleaning'] },
  { code: '371400', name: '山东省德州市', label: '德州', specialties: ['local-specialties', 'meat-eggs'] },
  { code: '371600', name: '山东省滨州市', label: '滨州', specialties: ['bedding'] },
  { code: '230000', name: '黑龙江省', label: '黑龙江', specialties: ['grain-oil', 'dried-goods', 'farm-produce'] },
  { code: '230184', name: '黑龙江省五常市', label: '五常', specialties: ['grain-oil'] },
  { code: '220621', name: '吉林省抚松县', label: '长白山', specialties: ['health-tonics', 'dried-goods'] },
  { code: '210200', name: '辽宁省大连市', label: '大连', specialties: ['seafood'] },
  { code: '152500', name: '内蒙古自治区锡林郭勒盟', label: '锡林郭勒', specialties: ['meat-eggs', 'dairy'] },
  { code: '650000', name: '新疆维吾尔自治区', label: '新疆', specialties: ['snacks', 'fruit'] },
  { code: '650400', name: '新疆维吾尔自治区吐鲁番市', label: '吐鲁番', specialties: ['fruit', 'snacks'] },
  { code: '652900', name: '新疆维吾尔自治区阿克苏地区', label: '阿克苏', specialties: ['fruit', 'snacks'] },
  { code: '640521', name: '宁夏回族自治区中宁县', label: '中宁', specialties: ['health-tonics'] },
  { code: '140121', name: '山西省清徐县', label: '清徐', specialties: ['condiments'] },
  { code: '411500', name: '河南省信阳市', label: '信阳', specialties: ['tea'] },
  { code: '330106', name: '浙江省杭州市西湖区', label: '杭州', specialties: ['tea', 'books'] },
  { code: '330282', name: '浙江省慈溪市', label: '慈溪', specialties: ['small-appliances'] },
  { code: '330700', name: '浙江省金华市', label: '金华', specialties: ['local-specialties'] },
  {
    code: '330782',
    name: '浙江省义乌市',
    label: '义乌',
    specialties: ['daily-necessities', 'stationery-sports', 'pet-supplies'],
  },
  { code: '330900', name: '浙江省舟山市', label: '舟山', specialties: ['seafood', 'dried-goods'] },
  { code: '320600', name: '江苏省南通市', label: '南通', specialties: ['bedding'] },
  { code: '350524', name: '福建省安溪县', label: '安溪', specialties: ['tea'] },
  { code: '350582', name: '福建省晋江市', label: '晋江', specialties: ['apparel', 'outdoor-sports'] },
  { code: '350782', name: '福建省武夷山市', label: '武夷山', specialties: ['tea'] },
  { code: '360700', name: '江西省赣州市', label: '赣州', specialties: ['fruit'] },
  { code: '440300', name: '广东省深圳市', label: '深圳', specialties: ['digital-accessories', 'small-appliances'] },
  { code: '440600', name: '广东省佛山市', label: '佛山', specialties: ['small-appliances', 'kitchenware'] },
  { code: '441700', name: '广东省阳江市', label: '阳江', specialties: ['kitchenware'] },
  { code: '451000', name: '广西壮族自治区百色市', label: '百色', specialties: ['fruit'] },
  { code: '510117', name: '四川省成都市郫都区', label: '郫都', specialties: ['condiments'] },
  { code: '530100', name: '云南省昆明市', label: '昆明', specialties: ['flowers-gardening', 'dried-goods'] },
  { code: '530800', name: '云南省普洱市', label: '普洱', specialties: ['tea'] },
  { code: '110000', name: '北京市', label: '北京', specialties: ['books', 'maternal-baby'] },
  { code: '310000', name: '上海市', label: '上海', specialties: ['personal-care', 'maternal-baby', 'auto-supplies'] },
];

export const REGIONS: readonly DemoRegion[] = [...QINGDAO_REGIONS, ...OTHER_REGIONS];

/**
 * Place-based brand prefixes a Qingdao producer might use ("青岛造"), by district, so a 崂山区
 * company never brands its goods 莱西.
 */
export const LOCAL_BRAND_PREFIXES: Readonly<Record<string, readonly string[]>> = {
  '370200': ['琴岛', '胶东', '岛城'],
  '370202': ['琴岛', '八大关', '岛城'],
  '370203': ['琴岛', '胶东', '岛城'],
  '370211': ['灵山湾', '琅琊湾', '黄岛'],
  '370212': ['崂山', '王哥庄', '北宅'],
  '370213': ['琴岛', '胶东', '岛城'],
  '370214': ['城阳', '流亭', '胶东'],
  '370215': ['即墨', '鳌山', '胶东'],
  '370281': ['胶州', '少海', '胶东'],
  '370283': ['平度', '大泽山', '马家沟'],
  '370285': ['莱西', '姜山', '胶东'],
};

/** Fictitious trade names (字号) used both in company names and as brand prefixes. */
export const BRAND_NAMES: readonly string[] = [
  '禾穗', '沐禾', '青禾', '岱青', '海晏', '琴韵', '悦农', '谷丰源', '福满仓', '田园记',
  '乡味坊', '山海间', '知味轩', '鲜享', '惠民源', '耕读', '润禾', '嘉穗', '鲁韵', '齐鲜',
  '泽源', '栖岸', '云岫', '青屿', '半岛鲜', '海岱', '禾晏', '丰穰', '谷雨坊', '朴田',
  '拾穗', '暖阳', '匠心坊', '清溪', '溪谷', '麦香坊', '橙意', '茗悦', '茶语轩', '百味斋',
  '晴川', '瑞穗', '安和', '星禾', '渔家乐', '北岸', '南山坞', '丰年', '乐享', '知乡',
];

/** Adjectives that fit most food products; categories add their own. */
export const ADJECTIVES: readonly string[] = ['有机', '精选', '农家', '手工', '特级', '原生态', '新鲜', '古法'];

/** Pack and edition words shops append to titles (崂山绿茶礼盒装); they tell listings apart. */
export const FOOD_NAME_SUFFIXES: readonly string[] = [
  '礼盒装', '家庭装', '组合装', '量贩装', '整箱装', '尝鲜装', '实惠装', '精品装', '年货装', '新货',
];
export const GOODS_NAME_SUFFIXES: readonly string[] = ['新款', '家用款', '经典款', '实惠装', '套装', '礼盒装'];

/** Company-name suffixes; farm categories may be co-operatives ("扶农"). */
export const COMPANY_FORMS: readonly string[] = ['有限公司', '有限责任公司', '股份有限公司'];
export const COOPERATIVE_KINDS: readonly string[] = ['果蔬', '种植', '养殖', '茶叶', '农机'];

export const SURNAMES: readonly string[] = [
  '王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高', '林',
  '何', '郭', '马', '于', '宋', '郑', '谢', '韩', '唐', '冯', '董', '曹', '袁', '邓', '许', '姜',
  '崔', '曲', '隋', '臧', '纪', '逄', '刁', '宫',
];

export const GIVEN_NAME_CHARS: readonly string[] = [
  '伟', '芳', '娜', '敏', '静', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超',
  '秀', '霞', '平', '刚', '桂', '英', '华', '玉', '建', '国', '海', '峰', '红', '丽', '鹏', '波',
  '晓', '春', '燕', '琳', '浩', '宇', '志', '文',
];

/** Mobile number prefixes of the three carriers; the rest of each number is random. */
export const MOBILE_PREFIXES: readonly string[] = [
  '130', '131', '132', '135', '136', '137', '138', '139', '150', '151', '152', '155', '157', '158',
  '159', '166', '177', '178', '180', '182', '183', '185', '186', '187', '188', '189', '198', '199',
];

/** Generic closing sentences for product descriptions. */
export const DESCRIPTION_CLOSINGS: readonly string[] = [
  '工会福利集采专享，产地直发',
  '支持积分兑换，下单后48小时内发货',
  '品质问题包退换，售后无忧',
  '集采价格，让利职工',
];
export const LOCAL_DESCRIPTION_CLOSINGS: readonly string[] = ['青岛本地企业出品，支持“青岛造”', '本地仓发货，市内次日达'];
export const FARM_DESCRIPTION_CLOSINGS: readonly string[] = ['助农直采，带动农户增收', '合作社直供，减少中间环节'];
