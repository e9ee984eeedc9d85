/**
 * Text normalisation shared by the keyword classifier and the learned model.
 *
 * - NFKC folds full-width letters/digits/punctuation to their ASCII forms.
 * - Lower-cases Latin text.
 * - Maps common traditional Chinese characters to simplified ones (a small hand-made table of frequent
 *   characters, not a full converter), so that "污水井冒水" and "汙水井冒水" look alike.
 */

// Pairs of (traditional, simplified). Only characters whose traditional form is not itself a common
// simplified character are listed.
const TRAD_SIMP_PAIRS =
  "區区車车環环衛卫聲声從从們们這这個个來来時时會会對对說说為为國国學学發发問问題题關关號号門门開开電电話话" +
  "樓楼單单鄰邻紅红綠绿燈灯馬马場场種种處处辦办業业員员務务費费資资買买賣卖價价錢钱銀银險险醫医療疗藥药師师" +
  "書书讀读課课園园體体運运動动遊游戲戏髒脏亂乱廢废氣气汙污淨净溝沟滲渗積积廣广燒烧壞坏損损盜盗竊窃違违規规" +
  "則则罰罚執执禮礼貨货輛辆擾扰聽听見见覺觉夠够讓让請请謝谢應应該该還还沒没裡里裏里後后邊边東东風风頭头長长" +
  "幾几萬万與与歲岁養养勞劳補补貼贴職职際际雜杂麼么聯联繫系網网絡络線线纜缆鐵铁橋桥達达隊队隨随陽阳陰阴陸陆" +
  "飛飞鳥鸟魚鱼雞鸡豬猪飯饭館馆飲饮廳厅寫写畫画圖图機机構构極极樣样標标準准檢检驗验監监測测報报導导據据擔担" +
  "證证識识護护認认論论設设計计訴诉訪访調调談谈變变織织組组經经結结給给統统緊紧總总續续級级納纳紙纸細细終终" +
  "絕绝練练維维編编縣县縮缩繳缴賠赔購购貸贷賬账質质責责貧贫貴贵負负敗败財财賭赌鄉乡鎮镇張张強强歸归當当錄录" +
  "彈弹徑径復复徵征態态戶户擁拥擊击擇择擺摆攤摊撥拨換换搶抢掃扫揚扬數数斷断於于暫暂曆历條条樹树橫横歡欢殘残" +
  "殺杀決决況况減减溫温濕湿滅灭災灾熱热爐炉獨独獲获現现產产畢毕異异盡尽眾众礦矿碼码確确禍祸離离稅税穩稳窮穷" +
  "競竞筆笔築筑簡简糧粮糾纠紀纪約约純纯繩绳罷罢習习聞闻腦脑腳脚舊旧艱艰藝艺節节蘇苏蟲虫術术衝冲裝装製制複复" +
  "覽览觀观訂订記记許许証证詢询試试詳详誤误諮咨謀谋議议豐丰貿贸趕赶跡迹踐践軌轨軟软較较載载輕轻輸输轄辖農农" +
  "迴回週周進进遠远適适遲迟選选遺遗鄭郑釋释針针鈔钞鋼钢錯错鍋锅鏈链鐘钟閉闭閒闲間间閱阅闆板陣阵隻只雖虽雙双" +
  "難难霧雾靈灵響响順顺須须預预領领頻频顏颜願愿類类顧顾飄飘餘余驚惊髮发鬧闹麗丽黨党齊齐齡龄龍龙嚴严團团圍围" +
  "圓圆壓压壩坝奪夺婦妇媽妈孫孙寧宁實实寬宽寶宝將将尋寻層层屬属嶺岭帶带幣币庫库廁厕廠厂彎弯慶庆憂忧懷怀戰战" +
  "擴扩擬拟擋挡攝摄樂乐歷历殯殡滿满漲涨潔洁澤泽濟济灣湾煙烟煩烦營营爛烂牆墙狀状獎奖盤盘稱称範范簽签籃篮紛纷" +
  "綱纲緣缘縱纵羅罗聖圣肅肃膚肤臟脏臨临蘭兰蝦虾襲袭視视親亲觸触訓训託托詐诈評评詞词誠诚誰谁諾诺謊谎譯译讚赞" +
  "貓猫賓宾賴赖蹤踪軍军轉转辭辞郵邮銷销鎖锁鑰钥閘闸隱隐雲云靜静頁页頂顶項项額额飼饲駕驾駛驶騙骗驅驱鬥斗鳳凤" +
  "麥麦黃黄點点齒齿轟轰噴喷塵尘漿浆灑洒澆浇灘滩濱滨濫滥瀝沥筧笕閥阀攔拦噸吨";

const TRAD_TO_SIMP: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  const chars = Array.from(TRAD_SIMP_PAIRS);
  for (let i = 0; i + 1 < chars.length; i += 2) {
    const trad = chars[i]!;
    const simp = chars[i + 1]!;
    if (trad !== simp) map.set(trad, simp);
  }
  return map;
})();

const TRAD_CHARS = new RegExp(`[${[...TRAD_TO_SIMP.keys()].join("")}]`, "gu");

/** Normalises text for feature extraction. Keeps whitespace (it may separate pre-cut words). */
export function normalizeText(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(TRAD_CHARS, (ch) => TRAD_TO_SIMP.get(ch) ?? ch);
}
